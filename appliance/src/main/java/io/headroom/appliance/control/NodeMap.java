package io.headroom.appliance.control;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The read side of {@link NodeValues} and {@link NodeValues.Doubles}: an immutable map by node id over positions in
 * site order, each subclass saying whether position {@code i} holds a value and which. {@code get},
 * {@code containsKey} and {@code size} in constant time, iteration in site order, every mutator refused.
 */
abstract sealed class NodeMap<V> extends AbstractMap<String, V> permits NodeValues, NodeValues.Doubles {

    private final NodeValues.Index index;
    private final int size;
    private Set<Map.Entry<String, V>> entries;

    NodeMap(NodeValues.Index index, int size) {
        this.index = index;
        this.size = size;
    }

    /** Whether the node at position {@code i} has a value. */
    abstract boolean has(int i);

    /** The value at position {@code i} (only where {@link #has}). */
    abstract V at(int i);

    @Override
    public final V get(Object key) {
        int i = index.of(key);
        return i < 0 || !has(i) ? null : at(i);
    }

    @Override
    public final boolean containsKey(Object key) {
        int i = index.of(key);
        return i >= 0 && has(i);
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final Set<Map.Entry<String, V>> entrySet() {
        Set<Map.Entry<String, V>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, V>> iterator() {
                    return new Iterator<>() {
                        private int next = skip(0);

                        private int skip(int from) {
                            int i = from;
                            while (i < index.size() && !has(i)) {
                                i++;
                            }
                            return i;
                        }

                        @Override
                        public boolean hasNext() {
                            return next < index.size();
                        }

                        @Override
                        public Map.Entry<String, V> next() {
                            if (next >= index.size()) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<String, V> entry = new SimpleImmutableEntry<>(index.ids[next], at(next));
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
