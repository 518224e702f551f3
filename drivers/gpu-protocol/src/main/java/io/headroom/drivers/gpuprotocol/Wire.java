package io.headroom.drivers.gpuprotocol;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Byte-level helpers shared by the message records: writer, strict reader, checks, JSON. */
final class Wire {

    /** Header: version byte, type byte. */
    static final int HEADER = 2;

    /** Largest GPU count a message can carry (one unsigned byte). */
    static final int MAX_GPUS = 255;

    private Wire() {
    }

    // ---------------------------------------------------------------- validation (records)

    /**
     * Validates a watt value for a record and rounds it to the wire precision (binary32).
     *
     * @throws IllegalArgumentException if NaN, infinite, too large for binary32 or negative
     */
    static double watts(String what, double v) {
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException(what + " is NaN");
        }
        if (Double.isInfinite(v) || Math.abs(v) > Float.MAX_VALUE) {
            throw new IllegalArgumentException(what + " is not finite (" + v + ")");
        }
        if (v < 0) {
            throw new IllegalArgumentException(what + " is negative (" + fmtW(v) + " W)");
        }
        return (float) v;
    }

    /** {@link #watts} for every element; returns an immutable copy. */
    static List<Double> wattsList(String what, List<Double> values) {
        if (values.size() > MAX_GPUS) {
            throw new IllegalArgumentException(
                    what + " has " + values.size() + " entries, at most " + MAX_GPUS + " allowed");
        }
        Double[] out = new Double[values.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = values.get(i);
            if (v == null) {
                throw new IllegalArgumentException(what + " for GPU " + i + " is null");
            }
            double w = v;
            // The element's name only for an error: built for each GPU of each message, it was most of what a
            // regulation tick arming 1,000 agents allocated.
            out[i] = w >= 0 && w <= Float.MAX_VALUE ? (double) (float) w : watts(what + " for GPU " + i, w);
        }
        return List.of(out);
    }

    static <T> List<T> gpuList(String what, List<T> values) {
        List<T> copy = List.copyOf(values);
        if (copy.size() > MAX_GPUS) {
            throw new IllegalArgumentException(
                    what + " has " + copy.size() + " entries, at most " + MAX_GPUS + " allowed");
        }
        return copy;
    }

    /** "900", "212.5": a watt value without a useless ".0". */
    /** {@code v} when it fits a u16 field, else "{@code what} V outside 0..65535". */
    static int u16(String what, int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException(what + " " + v + " outside 0..65535");
        }
        return v;
    }

    /** {@code epoch} when not negative. */
    static long epoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch is negative (" + epoch + ")");
        }
        return epoch;
    }

    /** A copy of {@code mac} when it is a truncated trigger MAC. */
    static byte[] mac(byte[] mac) {
        if (mac == null || mac.length != TriggerKey.MAC_LENGTH) {
            throw new IllegalArgumentException("mac must be " + TriggerKey.MAC_LENGTH + " bytes");
        }
        return mac.clone();
    }

    static String fmtW(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        float f = (float) v;
        if (Float.isInfinite(f)) {
            return Double.toString(v);
        }
        return new BigDecimal(Float.toString(f)).stripTrailingZeros().toPlainString();
    }

    // ---------------------------------------------------------------- extension blocks

    /** Extension block tag: per-GPU activity ({@link GpuActivity}). */
    static final int EXT_ACTIVITY = 0x01;
    /** Extension block header: tag u8, body length u16. */
    static final int EXT_HEADER = 3;

    /** Bytes the activity block of {@code activity} takes (0 when it is empty: no block). */
    static int activityBlockSize(List<GpuActivity> activity) {
        return activity.isEmpty() ? 0 : EXT_HEADER + 1 + GpuActivity.SIZE * activity.size();
    }

    static void writeActivityBlock(Writer w, List<GpuActivity> activity) {
        if (activity.isEmpty()) {
            return;
        }
        w.u8(EXT_ACTIVITY).u16(1 + GpuActivity.SIZE * activity.size()).u8(activity.size());
        for (GpuActivity a : activity) {
            a.write(w);
        }
    }

    /**
     * Reads the extension blocks after a message's version-1 body, to the payload's end: the activity block's
     * entries (none without one), skipping blocks of tags it does not know (a newer peer's).
     */
    static List<GpuActivity> readExtensions(Reader r, int gpus) throws ProtocolException {
        return readExtensions(r, gpus, null);
    }

    /** Reads one extension block of a tag other than the activity block's; false: not known, skip it. */
    @FunctionalInterface
    interface BlockReader {
        boolean read(int tag, int length, Reader r) throws ProtocolException;
    }

    /**
     * The same, handing the blocks of other tags to {@code other} first (which must read exactly the block's length
     * when it returns true); the blocks it does not know are skipped.
     */
    static List<GpuActivity> readExtensions(Reader r, int gpus, BlockReader other) throws ProtocolException {
        List<GpuActivity> activity = List.of();
        while (r.remaining() > 0) {
            if (r.remaining() < EXT_HEADER) {
                throw r.invalid(r.remaining() + " unexpected trailing byte(s): shorter than an extension block's "
                        + EXT_HEADER + "-byte header");
            }
            int tag = r.u8();
            int length = r.u16();
            if (r.remaining() < length) {
                throw r.invalid("extension block 0x" + Integer.toHexString(tag) + " of " + length
                        + " bytes, only " + r.remaining() + " left");
            }
            if (tag != EXT_ACTIVITY) {
                int before = r.remaining();
                if (other == null || !other.read(tag, length, r)) {
                    r.bytes(length);
                } else if (before - r.remaining() != length) {
                    throw r.invalid("extension block 0x" + Integer.toHexString(tag) + " of " + length
                            + " bytes read as " + (before - r.remaining()));
                }
                continue;
            }
            if (!activity.isEmpty()) {
                throw r.invalid("two activity blocks");
            }
            int n = r.u8();
            if (n != gpus || length != 1 + GpuActivity.SIZE * n) {
                throw r.invalid("activity block of " + n + " GPUs in " + length + " bytes for a message of " + gpus
                        + " GPUs");
            }
            GpuActivity[] a = new GpuActivity[n];
            for (int i = 0; i < n; i++) {
                a[i] = GpuActivity.read(r);
            }
            activity = List.of(a);
        }
        return activity;
    }

    /** Extension block tag: per-GPU power smoothing of a {@link CapCommand} ({@link GpuSmoothing}). */
    static final int EXT_SMOOTHING = 0x02;
    /** Extension block tag: per-GPU {@link SmoothingStatus} of a {@link CapAck}. */
    static final int EXT_SMOOTHING_STATUS = 0x03;

    /** Bytes the smoothing block of {@code smoothing} takes (0 when it is empty: no block). */
    static int smoothingBlockSize(List<GpuSmoothing> smoothing) {
        return smoothing.isEmpty() ? 0 : EXT_HEADER + 1 + GpuSmoothing.SIZE * smoothing.size();
    }

    static void writeSmoothingBlock(Writer w, List<GpuSmoothing> smoothing) {
        if (smoothing.isEmpty()) {
            return;
        }
        w.u8(EXT_SMOOTHING).u16(1 + GpuSmoothing.SIZE * smoothing.size()).u8(smoothing.size());
        for (GpuSmoothing s : smoothing) {
            s.write(w);
        }
    }

    /** Bytes the smoothing status block of {@code status} takes (0 when it is empty: no block). */
    static int statusBlockSize(List<SmoothingStatus> status) {
        return status.isEmpty() ? 0 : EXT_HEADER + 1 + status.size();
    }

    static void writeStatusBlock(Writer w, List<SmoothingStatus> status) {
        if (status.isEmpty()) {
            return;
        }
        w.u8(EXT_SMOOTHING_STATUS).u16(1 + status.size()).u8(status.size());
        for (SmoothingStatus s : status) {
            w.u8(s.code());
        }
    }

    /** Reads the count byte of a per-GPU block and checks it against the message's GPUs and the block's length. */
    static int blockCount(Reader r, String what, int length, int perGpu, int gpus) throws ProtocolException {
        int n = r.u8();
        if (n != gpus || length != 1 + perGpu * n) {
            throw r.invalid(what + " block of " + n + " GPUs in " + length + " bytes for a message of " + gpus
                    + " GPUs");
        }
        return n;
    }

    /** Per-GPU extension entries of a message: none, or one per GPU. */
    static <T> List<T> perGpuList(String what, List<T> entries, int gpus) {
        List<T> copy = List.copyOf(entries);
        if (!copy.isEmpty() && copy.size() != gpus) {
            throw new IllegalArgumentException(what + " for " + copy.size() + " GPUs in a message of " + gpus);
        }
        return copy;
    }

    static String jsonPerGpu(String name, int count, java.util.function.IntFunction<String> entry) {
        StringBuilder b = new StringBuilder(",\"").append(name).append("\":[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(entry.apply(i));
        }
        return b.append(']').toString();
    }

    /** The activity entries of a message: none, or one per GPU. */
    static List<GpuActivity> activityList(List<GpuActivity> activity, int gpus) {
        List<GpuActivity> copy = List.copyOf(activity);
        if (!copy.isEmpty() && copy.size() != gpus) {
            throw new IllegalArgumentException("activity for " + copy.size() + " GPUs in a message of " + gpus);
        }
        return copy;
    }

    static String jsonActivity(List<GpuActivity> activity) {
        StringBuilder b = new StringBuilder(",\"activity\":[");
        for (int i = 0; i < activity.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(activity.get(i).toJson(i));
        }
        return b.append(']').toString();
    }

    // ---------------------------------------------------------------- writer

    static final class Writer {
        private final ByteBuffer buf;

        Writer(MessageType type, int size) {
            buf = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
            buf.put((byte) GpuProtocol.VERSION);
            buf.put((byte) type.code());
        }

        Writer u8(int v) {
            buf.put((byte) v);
            return this;
        }

        Writer u16(int v) {
            buf.putShort((short) v);
            return this;
        }

        Writer i32(int v) {
            buf.putInt(v);
            return this;
        }

        Writer i64(long v) {
            buf.putLong(v);
            return this;
        }

        Writer f32(double v) {
            buf.putFloat((float) v);
            return this;
        }

        Writer bytes(byte[] b) {
            buf.put(b);
            return this;
        }

        byte[] done() {
            if (buf.hasRemaining()) {
                throw new IllegalStateException("encoder bug: " + buf.remaining() + " bytes unwritten");
            }
            return buf.array();
        }
    }

    // ---------------------------------------------------------------- strict reader

    static final class Reader {
        private final byte[] p;
        private final MessageType type;
        private int pos;

        private Reader(byte[] p, MessageType type) {
            this.p = p;
            this.type = type;
            this.pos = HEADER;
        }

        /**
         * Checks the header and that at least {@code fixedLength} bytes are present.
         */
        static Reader open(byte[] payload, MessageType type, int fixedLength) throws ProtocolException {
            String name = type.displayName();
            checkHeader(payload, name);
            int code = payload[1] & 0xFF;
            if (code != type.code()) {
                String got;
                try {
                    got = MessageType.fromCode(code).describe();
                } catch (ProtocolException unknown) {
                    got = String.format("0x%02X (unknown)", code);
                }
                throw new ProtocolException(name + ": wrong message type " + got + ", expected "
                        + type.describe());
            }
            if (payload.length < fixedLength) {
                throw new ProtocolException(name + ": truncated payload: " + payload.length
                        + " bytes, the fixed part alone needs " + fixedLength);
            }
            return new Reader(payload, type);
        }

        /** Version checks common to typed decoders and {@link Message#decode}. */
        static void checkHeader(byte[] payload, String name) throws ProtocolException {
            if (payload == null || payload.length == 0) {
                throw new ProtocolException(name + ": empty payload");
            }
            int version = payload[0] & 0xFF;
            if (version != GpuProtocol.VERSION) {
                throw new ProtocolException(name + ": unsupported protocol version " + version
                        + " (this implementation speaks version " + GpuProtocol.VERSION + ")");
            }
            if (payload.length < HEADER) {
                throw new ProtocolException(name + ": truncated payload: 1 byte, the header alone needs "
                        + HEADER);
            }
        }

        /** The payload must be exactly {@code expected} bytes; {@code why} explains the size. */
        void expectLength(int expected, String why) throws ProtocolException {
            if (p.length < expected) {
                throw new ProtocolException(type.displayName() + ": truncated payload: " + why
                        + " needs " + expected + " bytes, got " + p.length);
            }
            if (p.length > expected) {
                throw new ProtocolException(type.displayName() + ": " + (p.length - expected)
                        + " unexpected trailing byte(s): " + why + " needs exactly " + expected
                        + " bytes, got " + p.length);
            }
        }

        /** The payload must be at least {@code expected} bytes. */
        void expectAtLeast(int expected, String why) throws ProtocolException {
            if (p.length < expected) {
                throw new ProtocolException(type.displayName() + ": truncated payload: " + why
                        + " needs at least " + expected + " bytes, got " + p.length);
            }
        }

        int remaining() {
            return p.length - pos;
        }

        private void need(int n) throws ProtocolException {
            if (pos + n > p.length) {
                throw new ProtocolException(type.displayName() + ": truncated payload: field at offset "
                        + pos + " needs " + n + " bytes, only " + (p.length - pos) + " left");
            }
        }

        int u8() throws ProtocolException {
            need(1);
            return p[pos++] & 0xFF;
        }

        int u16() throws ProtocolException {
            need(2);
            int v = ((p[pos] & 0xFF) << 8) | (p[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        int i32() throws ProtocolException {
            need(4);
            int v = ByteBuffer.wrap(p, pos, 4).order(ByteOrder.BIG_ENDIAN).getInt();
            pos += 4;
            return v;
        }

        long i64() throws ProtocolException {
            need(8);
            long v = ByteBuffer.wrap(p, pos, 8).order(ByteOrder.BIG_ENDIAN).getLong();
            pos += 8;
            return v;
        }

        double f32() throws ProtocolException {
            return Float.intBitsToFloat(i32());
        }

        byte[] bytes(int length) throws ProtocolException {
            need(length);
            byte[] b = java.util.Arrays.copyOfRange(p, pos, pos + length);
            pos += length;
            return b;
        }

        String utf8(int length, String what) throws ProtocolException {
            need(length);
            try {
                String s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(p, pos, length))
                        .toString();
                pos += length;
                return s;
            } catch (CharacterCodingException e) {
                throw new ProtocolException(type.displayName() + ": " + what + " is not valid UTF-8", e);
            }
        }

        /** Wraps a record constructor's complaint. */
        ProtocolException invalid(String context, IllegalArgumentException e) {
            return new ProtocolException(type.displayName() + ": " + context + e.getMessage(), e);
        }

        ProtocolException invalid(String message) {
            return new ProtocolException(type.displayName() + ": " + message);
        }
    }

    /** Decoder body that may throw unexpected unchecked exceptions; they become ProtocolException. */
    @FunctionalInterface
    interface Body<T> {
        T decode() throws ProtocolException;
    }

    static <T> T strictly(MessageType type, Body<T> body) throws ProtocolException {
        try {
            return body.decode();
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(type.displayName() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ProtocolException(type.displayName() + ": malformed payload (" + e + ")", e);
        }
    }

    // ---------------------------------------------------------------- JSON

    /** A JSON number for a watt value held at binary32 precision. */
    static String jsonW(double v) {
        return Float.toString((float) v);
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** 64-bit ids as 16 hex digits in a string: JSON numbers lose precision above 2^53. */
    static String jsonHex64(long v) {
        return "\"" + String.format("%016x", v) + "\"";
    }

    static String jsonWattsArray(List<Double> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(jsonW(values.get(i)));
        }
        return b.append(']').toString();
    }
}
