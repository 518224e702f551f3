package io.headroom.appliance.northbound;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Sparkplug B payload decoder (and the one encoder a host needs, a rebirth NCMD) written from the Sparkplug B
 * protobuf schema ({@code sparkplug_b.proto}, Sparkplug 3.0 appendix), without Tahu and without a protobuf library:
 * what the appliance publishes is checked against the wire format, not against the library that wrote it.
 */
final class SparkplugWire {

    /** Sparkplug data types (the schema's DataType enum) the appliance uses. */
    static final int INT64 = 4;
    static final int UINT64 = 8;
    static final int DOUBLE = 10;
    static final int BOOLEAN = 11;
    static final int STRING = 12;

    record Metric(String name, int datatype, boolean isNull, Object value, Long timestamp, Map<String, Object> properties) {
    }

    record Payload(Long timestamp, Long seq, List<Metric> metrics) {
        Metric metric(String name) {
            return metrics.stream().filter(m -> m.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no metric " + name + " in " + names()));
        }

        List<String> names() {
            return metrics.stream().map(Metric::name).toList();
        }
    }

    /** A message a subscriber received: its topic and decoded payload. */
    record Message(String topic, Payload payload) {
        String type() {
            return topic.split("/")[2];
        }

        String device() {
            String[] t = topic.split("/");
            return t.length > 4 ? t[4] : "";
        }
    }

    static Message line(String line) {
        int sp = line.indexOf(' ');
        String hex = sp < 0 ? "" : line.substring(sp + 1).strip();
        return new Message(line.substring(0, sp < 0 ? line.length() : sp), decode(HexFormat.of().parseHex(hex)));
    }

    static Payload decode(byte[] b) {
        Reader r = new Reader(ByteBuffer.wrap(b));
        Long ts = null;
        Long seq = null;
        List<Metric> ms = new ArrayList<>();
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (field) {
                case 1 -> ts = r.varint();
                case 2 -> ms.add(metric(r.bytes()));
                case 3 -> seq = r.varint();
                default -> r.skip(wire);
            }
        }
        return new Payload(ts, seq, ms);
    }

    private static Metric metric(ByteBuffer b) {
        Reader r = new Reader(b);
        String name = null;
        int type = 0;
        boolean isNull = false;
        Object value = null;
        Long ts = null;
        Map<String, Object> props = new LinkedHashMap<>();
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (field) {
                case 1 -> name = r.string();
                case 3 -> ts = r.varint();
                case 4 -> type = (int) r.varint();
                case 7 -> isNull = r.varint() != 0;
                case 9 -> props.putAll(propertySet(r.bytes()));
                case 10 -> value = (int) r.varint();
                case 11 -> value = r.varint();
                case 13 -> value = Double.longBitsToDouble(r.fixed64());
                case 14 -> value = r.varint() != 0;
                case 15 -> value = r.string();
                default -> r.skip(wire);
            }
        }
        return new Metric(name, type, isNull, isNull ? null : value, ts, props);
    }

    /** PropertySet: 1 keys (repeated string), 2 values (repeated PropertyValue: 1 type, 2 is_null, 8 string_value). */
    private static Map<String, Object> propertySet(ByteBuffer b) {
        Reader r = new Reader(b);
        List<String> keys = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3);
            if (field == 1) {
                keys.add(r.string());
            } else if (field == 2) {
                Reader v = new Reader(r.bytes());
                Object x = null;
                while (v.more()) {
                    long k = v.varint();
                    if ((k >>> 3) == 8) {
                        x = v.string();
                    } else {
                        v.skip((int) (k & 7));
                    }
                }
                values.add(x);
            } else {
                r.skip((int) (key & 7));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            m.put(keys.get(i), i < values.size() ? values.get(i) : null);
        }
        return m;
    }

    /** An NCMD payload with one boolean metric (as a host's rebirth request). */
    static byte[] command(String metricName, boolean value, long timestampMs) {
        ByteArrayOutputStream metric = new ByteArrayOutputStream();
        tag(metric, 1, 2);
        lengthDelimited(metric, metricName.getBytes(StandardCharsets.UTF_8));
        tag(metric, 4, 0);
        varint(metric, BOOLEAN);
        tag(metric, 14, 0);
        varint(metric, value ? 1 : 0);
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        tag(p, 1, 0);
        varint(p, timestampMs);
        tag(p, 2, 2);
        lengthDelimited(p, metric.toByteArray());
        return p.toByteArray();
    }

    private static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, ((long) field << 3) | wire);
    }

    private static void lengthDelimited(ByteArrayOutputStream o, byte[] b) {
        varint(o, b.length);
        o.writeBytes(b);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    private static final class Reader {
        private final ByteBuffer b;

        Reader(ByteBuffer b) {
            this.b = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean more() {
            return b.hasRemaining();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = b.get() & 0xFF;
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        long fixed64() {
            return b.getLong();
        }

        ByteBuffer bytes() {
            int n = (int) varint();
            ByteBuffer s = b.slice(b.position(), n);
            b.position(b.position() + n);
            return s;
        }

        String string() {
            ByteBuffer s = bytes();
            byte[] a = new byte[s.remaining()];
            s.get(a);
            return new String(a, StandardCharsets.UTF_8);
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> b.position(b.position() + 8);
                case 2 -> bytes();
                case 5 -> b.position(b.position() + 4);
                default -> throw new IllegalArgumentException("wire type " + wire);
            }
        }
    }
}
