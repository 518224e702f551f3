package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;

import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a regulation tick gathers per node of the site (the agents' telemetry, the caps decided), as an immutable map
 * by node id over one array in site order: a tick at 1,000 nodes made a hash map's entry per node and, for the caps,
 * a boxed {@code Double} per node, then {@link Snapshot} copied the telemetry into an immutable map again. The key
 * index ({@link Index}) is made once per site; a tick fills a {@link Builder} (or a {@link Doubles.Builder}) and
 * hands its array over. Read like any {@link Map}: {@code get}, {@code containsKey} and {@code size} in constant
 * time, iteration in site order, every mutator refused; {@code equals} and {@code hashCode} as {@link AbstractMap}'s.
 * A key that is not a node id of the site, or {@code null}, is absent.
 */
public final class NodeValues<V> extends NodeMap<V> {

    /** The site's node ids and their positions; made once, shared by every tick's maps. */
    public static final class Index {
        final String[] ids;
        private final Map<String, Integer> at;

        public Index(List<Node> nodes) {
            ids = new String[nodes.size()];
            at = HashMap.newHashMap(nodes.size());
            for (int i = 0; i < ids.length; i++) {
                ids[i] = nodes.get(i).id();
                at.put(ids[i], i);
            }
        }

        /** The position of a node id, or -1. */
        public int of(Object id) {
            Integer i = id == null ? null : at.get(id);
            return i == null ? -1 : i;
        }

        public int size() {
            return ids.length;
        }
    }

    /** Fills one map, then hands it over ({@link #build}); not to be used after. */
    public static final class Builder<V> {
        private final Index index;
        private Object[] values;
        private int size;

        public Builder(Index index) {
            this.index = index;
            this.values = new Object[index.size()];
        }

        /** The value of the node at position {@code i} (site order); null removes it. */
        public Builder<V> put(int i, V value) {
            if (values[i] != null) {
                size--;
            }
            values[i] = value;
            if (value != null) {
                size++;
            }
            return this;
        }

        public NodeValues<V> build() {
            NodeValues<V> m = new NodeValues<>(index, values, size);
            values = null;
            return m;
        }
    }

    private final Object[] values;

    private NodeValues(Index index, Object[] values, int size) {
        super(index, size);
        this.values = values;
    }

    @Override
    boolean has(int i) {
        return values[i] != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    V at(int i) {
        return (V) values[i];
    }

    /**
     * Per-node watts (the caps a tick decided) as an immutable map by node id over a {@code double[]}: no boxed
     * {@code Double} is made until a reader asks for one.
     */
    public static final class Doubles extends NodeMap<Double> {

        /** Fills one map, then hands it over ({@link #build}); not to be used after. */
        public static final class Builder {
            private final Index index;
            private double[] values;
            private boolean[] present;
            private int size;

            public Builder(Index index) {
                this.index = index;
                this.values = new double[index.size()];
                this.present = new boolean[index.size()];
            }

            /** The value of a node by id; an id that is not the site's is refused. */
            public Builder put(String nodeId, double value) {
                int i = index.of(nodeId);
                if (i < 0) {
                    throw new IllegalArgumentException("no node " + nodeId + " in the site");
                }
                if (!present[i]) {
                    present[i] = true;
                    size++;
                }
                values[i] = value;
                return this;
            }

            public Doubles build() {
                Doubles m = new Doubles(index, values, present, size);
                values = null;
                present = null;
                return m;
            }
        }

        private final double[] values;
        private final boolean[] present;

        private Doubles(Index index, double[] values, boolean[] present, int size) {
            super(index, size);
            this.values = values;
            this.present = present;
        }

        @Override
        boolean has(int i) {
            return present[i];
        }

        @Override
        Double at(int i) {
            return values[i];
        }
    }
}
