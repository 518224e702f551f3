package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * What a regulation tick gathers per node of the site (the agents' telemetry, the caps decided), as an immutable map
 * by node id over one array in site order: a tick at 1,000 nodes made a hash map's entry per node and, for the caps,
 * a boxed {@code Double} per node, then {@link Snapshot} copied the telemetry into an immutable map again. The key
 * index ({@link Index}) is made once per site; a tick fills a {@link Builder} (or a {@link Doubles.Builder}) and
 * hands its array over. Read like any {@link Map}: {@code get}, {@code containsKey} and {@code size} in constant
 * time, iteration in site order, every mutator refused; {@code equals} and {@code hashCode} as {@link AbstractMap}'s.
 * A key that is not a node id of the site, or {@code null}, is absent.
 */
public final class NodeValues<V> extends AbstractMap<String, V> {

    /** The site's node ids and their positions; made once, shared by every tick's maps. */
    public static final class Index {
        private final String[] ids;
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

    private final Index index;
    private final Object[] values;
    private final int size;
    private Set<Map.Entry<String, V>> entries;

    private NodeValues(Index index, Object[] values, int size) {
        this.index = index;
        this.values = values;
        this.size = size;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        int i = index.of(key);
        return i < 0 ? null : (V) values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Map.Entry<String, V>> entrySet() {
        Set<Map.Entry<String, V>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, V>> iterator() {
                    return new Iterator<>() {
                        private int next = skip(0);

                        private int skip(int from) {
                            int i = from;
                            while (i < values.length && values[i] == null) {
                                i++;
                            }
                            return i;
                        }

                        @Override
                        public boolean hasNext() {
                            return next < values.length;
                        }

                        @Override
                        @SuppressWarnings("unchecked")
                        public Map.Entry<String, V> next() {
                            if (next >= values.length) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<String, V> entry = new SimpleImmutableEntry<>(index.ids[next], (V) values[next]);
                            next = skip(next + 1);
                            return entry;
                        }
                    };
                }

                @Override
                public int size() {
                    return size;
                }
            };
            entries = e;
        }
        return e;
    }

    /**
     * Per-node watts (the caps a tick decided) as an immutable map by node id over a {@code double[]}: no boxed
     * {@code Double} is made until a reader asks for one.
     */
    public static final class Doubles extends AbstractMap<String, Double> {

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

        private final Index index;
        private final double[] values;
        private final boolean[] present;
        private final int size;
        private Set<Map.Entry<String, Double>> entries;

        private Doubles(Index index, double[] values, boolean[] present, int size) {
            this.index = index;
            this.values = values;
            this.present = present;
            this.size = size;
        }

        @Override
        public Double get(Object key) {
            int i = index.of(key);
            return i < 0 || !present[i] ? null : values[i];
        }

        @Override
        public boolean containsKey(Object key) {
            int i = index.of(key);
            return i >= 0 && present[i];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Set<Map.Entry<String, Double>> entrySet() {
            Set<Map.Entry<String, Double>> e = entries;
            if (e == null) {
                e = new AbstractSet<>() {
                    @Override
                    public Iterator<Map.Entry<String, Double>> iterator() {
                        return new Iterator<>() {
                            private int next = skip(0);

                            private int skip(int from) {
                                int i = from;
                                while (i < present.length && !present[i]) {
                                    i++;
                                }
                                return i;
                            }

                            @Override
                            public boolean hasNext() {
                                return next < present.length;
                            }

                            @Override
                            public Map.Entry<String, Double> next() {
                                if (next >= present.length) {
                                    throw new NoSuchElementException();
                                }
                                Map.Entry<String, Double> entry = new SimpleImmutableEntry<>(index.ids[next], values[next]);
                                next = skip(next + 1);
                                return entry;
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return size;
                    }
                };
                entries = e;
            }
            return e;
        }
    }
}
