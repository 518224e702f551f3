package io.headroom.drivers.gpuprotocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent applied a {@link CapCommand} (answer to {@code POST /cap}, code 2.04 Changed).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x04 | session i64 | sequence i64 | agentTimeMs i64 |
 * leaseExpiresAtMs i64 | totalPowerW f32 | count u8 | count × appliedLimitW f32}:
 * {@code 39 + 4·count} bytes, then, only when the command's request asked for it ({@link GpuProtocol#QUERY_ACTIVITY}),
 * the activity extension block ({@code 4 + 10·count} bytes), and, only when it asked for that
 * ({@link GpuProtocol#QUERY_SMOOTHING}), the smoothing status block ({@code 4 + count} bytes).
 *
 * @param session          the command's session
 * @param sequence         the command's sequence, now the last accepted one
 * @param agentTimeMs      the agent's monotonic clock when it applied the caps (ms since start)
 * @param leaseExpiresAtMs when the lease lapses, on the same clock
 * @param totalPowerW      total GPU draw right after applying, W
 * @param appliedLimitsW   limits the GPUs report as enforced after applying, W
 * @param activity         per GPU activity (the extension block), or empty when not asked for or not known
 * @param smoothing        per GPU, what became of the command's smoothing (the status block), or empty when not
 *                         asked for or from an agent without the smoothing extension
 */
public record CapAck(long session, long sequence, long agentTimeMs, long leaseExpiresAtMs,
                     double totalPowerW, List<Double> appliedLimitsW, List<GpuActivity> activity,
                     List<SmoothingStatus> smoothing) implements Message {

    static final int FIXED = Wire.HEADER + 8 + 8 + 8 + 8 + 4 + 1;
    static final int PER_GPU = 4;

    public CapAck {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence is negative (" + sequence + ")");
        }
        if (agentTimeMs < 0) {
            throw new IllegalArgumentException("agentTimeMs is negative (" + agentTimeMs + ")");
        }
        if (leaseExpiresAtMs < agentTimeMs) {
            throw new IllegalArgumentException("leaseExpiresAtMs " + leaseExpiresAtMs
                    + " is before agentTimeMs " + agentTimeMs);
        }
        totalPowerW = Wire.watts("totalPowerW", totalPowerW);
        appliedLimitsW = Wire.wattsList("applied limit", appliedLimitsW);
        activity = Wire.activityList(activity, appliedLimitsW.size());
        smoothing = Wire.perGpuList("smoothing status", smoothing, appliedLimitsW.size());
    }

    /** An ack without smoothing status. */
    public CapAck(long session, long sequence, long agentTimeMs, long leaseExpiresAtMs, double totalPowerW,
                  List<Double> appliedLimitsW, List<GpuActivity> activity) {
        this(session, sequence, agentTimeMs, leaseExpiresAtMs, totalPowerW, appliedLimitsW, activity, List.of());
    }

    /** A version-1 ack: no activity. */
    public CapAck(long session, long sequence, long agentTimeMs, long leaseExpiresAtMs, double totalPowerW,
                  List<Double> appliedLimitsW) {
        this(session, sequence, agentTimeMs, leaseExpiresAtMs, totalPowerW, appliedLimitsW, List.of(), List.of());
    }

    /** This ack with {@code activity} (one per GPU, or none). */
    public CapAck withActivity(List<GpuActivity> activity) {
        return new CapAck(session, sequence, agentTimeMs, leaseExpiresAtMs, totalPowerW, appliedLimitsW, activity,
                smoothing);
    }

    /** This ack with {@code smoothing} status (one per GPU, or none). */
    public CapAck withSmoothing(List<SmoothingStatus> smoothing) {
        return new CapAck(session, sequence, agentTimeMs, leaseExpiresAtMs, totalPowerW, appliedLimitsW, activity,
                smoothing);
    }

    /** Lease time left when the agent answered, ms. */
    public long leaseRemainingMs() {
        return leaseExpiresAtMs - agentTimeMs;
    }

    public int gpuCount() {
        return appliedLimitsW.size();
    }

    @Override
    public MessageType type() {
        return MessageType.CAP_ACK;
    }

    @Override
    public byte[] encode() {
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * appliedLimitsW.size()
                + Wire.activityBlockSize(activity) + Wire.statusBlockSize(smoothing))
                .i64(session).i64(sequence).i64(agentTimeMs).i64(leaseExpiresAtMs)
                .f32(totalPowerW).u8(appliedLimitsW.size());
        for (double l : appliedLimitsW) {
            w.f32(l);
        }
        Wire.writeActivityBlock(w, activity);
        Wire.writeStatusBlock(w, smoothing);
        return w.done();
    }

    public static CapAck decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.CAP_ACK, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.CAP_ACK, FIXED);
            long session = r.i64();
            long sequence = r.i64();
            long time = r.i64();
            long expires = r.i64();
            double total = r.f32();
            int n = r.u8();
            r.expectAtLeast(FIXED + PER_GPU * n, "a count of " + n + " GPUs");
            List<Double> limits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                limits.add(r.f32());
            }
            List<SmoothingStatus> status = new ArrayList<>();
            List<GpuActivity> activity = Wire.readExtensions(r, n, (tag, length, in) -> {
                if (tag != Wire.EXT_SMOOTHING_STATUS) {
                    return false;
                }
                if (!status.isEmpty()) {
                    throw in.invalid("two smoothing status blocks");
                }
                int m = Wire.blockCount(in, "smoothing status", length, 1, n);
                for (int i = 0; i < m; i++) {
                    status.add(SmoothingStatus.of(in.u8()));
                }
                return true;
            });
            return new CapAck(session, sequence, time, expires, total, limits, activity, status);
        });
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION
                + ",\"type\":\"capAck\",\"session\":" + Wire.jsonHex64(session)
                + ",\"sequence\":" + sequence
                + ",\"agentTimeMs\":" + agentTimeMs
                + ",\"leaseExpiresAtMs\":" + leaseExpiresAtMs
                + ",\"totalPowerW\":" + Wire.jsonW(totalPowerW)
                + ",\"gpuCount\":" + appliedLimitsW.size()
                + ",\"appliedLimitsW\":" + Wire.jsonWattsArray(appliedLimitsW)
                + (activity.isEmpty() ? "" : Wire.jsonActivity(activity))
                + (smoothing.isEmpty() ? "" : Wire.jsonPerGpu("smoothing", smoothing.size(),
                        i -> "\"" + smoothing.get(i).name().toLowerCase(java.util.Locale.ROOT) + "\""))
                + "}";
    }
}
