package io.headroom.drivers.gpuprotocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The appliance caps every GPU of a node for a while ({@code POST /cap}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x03 | session i64 | sequence i64 | leaseMs i32 |
 * count u8 | count × capW f32}: {@code 23 + 4·count} bytes, then, only to an agent that offered it (its
 * {@link CapAck} carried a smoothing status block), the smoothing extension block ({@code 4 + 13·count} bytes).
 *
 * @param session  chosen at random by each appliance instance when it starts; a session the
 *                 agent has not seen resets the agent's sequence window (re-acquisition)
 * @param sequence strictly increasing within a session, {@code >= 0}; the agent refuses a
 *                 sequence {@code <=} the last one it accepted in the same session (4.09)
 * @param leaseMs  how long the caps hold, {@code > 0}; the appliance renews the lease by
 *                 sending the next sequence before it lapses
 * @param capsW    one cap per GPU, W, index = GPU number; the agent requires exactly its GPU
 *                 count and every cap inside that GPU's range
 * @param smoothing per GPU power floor and ramp limits (the extension block), or empty: smoothing off
 */
public record CapCommand(long session, long sequence, int leaseMs, List<Double> capsW, List<GpuSmoothing> smoothing)
        implements Message {

    static final int FIXED = Wire.HEADER + 8 + 8 + 4 + 1;
    static final int PER_GPU = 4;

    public CapCommand {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence is negative (" + sequence + ")");
        }
        if (leaseMs <= 0) {
            throw new IllegalArgumentException("lease " + leaseMs + " ms is not positive");
        }
        capsW = Wire.wattsList("cap", capsW);
        smoothing = Wire.perGpuList("smoothing", smoothing, capsW.size());
    }

    /** A version-1 command: no smoothing. */
    public CapCommand(long session, long sequence, int leaseMs, List<Double> capsW) {
        this(session, sequence, leaseMs, capsW, List.of());
    }

    /** This command with {@code smoothing} (one per GPU, or none). */
    public CapCommand withSmoothing(List<GpuSmoothing> smoothing) {
        return new CapCommand(session, sequence, leaseMs, capsW, smoothing);
    }

    /** This command as version 1 (what an agent that did not offer the extension is sent). */
    public CapCommand withoutSmoothing() {
        return smoothing.isEmpty() ? this : new CapCommand(session, sequence, leaseMs, capsW, List.of());
    }

    /** The same cap on each of {@code gpuCount} GPUs. */
    public static CapCommand uniform(long session, long sequence, int leaseMs, int gpuCount, double capW) {
        return new CapCommand(session, sequence, leaseMs, Collections.nCopies(gpuCount, capW));
    }

    public int gpuCount() {
        return capsW.size();
    }

    @Override
    public MessageType type() {
        return MessageType.CAP_COMMAND;
    }

    @Override
    public byte[] encode() {
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * capsW.size() + Wire.smoothingBlockSize(smoothing))
                .i64(session).i64(sequence).i32(leaseMs).u8(capsW.size());
        for (double c : capsW) {
            w.f32(c);
        }
        Wire.writeSmoothingBlock(w, smoothing);
        return w.done();
    }

    public static CapCommand decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.CAP_COMMAND, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.CAP_COMMAND, FIXED);
            long session = r.i64();
            long sequence = r.i64();
            int lease = r.i32();
            int n = r.u8();
            r.expectAtLeast(FIXED + PER_GPU * n, "a count of " + n + " GPUs");
            List<Double> caps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                caps.add(r.f32());
            }
            List<GpuSmoothing> smoothing = new ArrayList<>();
            Wire.readExtensions(r, n, (tag, length, in) -> {
                if (tag != Wire.EXT_SMOOTHING) {
                    return false;
                }
                if (!smoothing.isEmpty()) {
                    throw in.invalid("two smoothing blocks");
                }
                int m = Wire.blockCount(in, "smoothing", length, GpuSmoothing.SIZE, n);
                for (int i = 0; i < m; i++) {
                    smoothing.add(GpuSmoothing.read(in));
                }
                return true;
            });
            return new CapCommand(session, sequence, lease, caps, smoothing);
        });
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION
                + ",\"type\":\"cap\",\"session\":" + Wire.jsonHex64(session)
                + ",\"sequence\":" + sequence
                + ",\"leaseMs\":" + leaseMs
                + ",\"gpuCount\":" + capsW.size()
                + ",\"capsW\":" + Wire.jsonWattsArray(capsW)
                + (smoothing.isEmpty() ? "" : Wire.jsonPerGpu("smoothing", smoothing.size(), i -> smoothing.get(i).toJson(i)))
                + "}";
    }
}
