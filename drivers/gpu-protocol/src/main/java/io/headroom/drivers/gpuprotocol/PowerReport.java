package io.headroom.drivers.gpuprotocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Power draw and enforced limits of a node ({@code GET /power}, observable).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x02 | state u8 | agentTimeMs i64 | totalW f32 |
 * count u8 | count × (powerW f32, limitW f32)}: {@code 16 + 8·count} bytes, then, only when the request asked
 * for it ({@link GpuProtocol#QUERY_ACTIVITY}), the activity extension block ({@code 4 + 10·count} bytes).
 *
 * @param state       where the node's limits come from
 * @param agentTimeMs the agent's monotonic clock, ms since the agent started (never goes
 *                    backwards while the agent runs; a smaller value means the agent restarted)
 * @param totalW      total draw of the node's GPUs, W
 * @param gpus        per GPU draw and enforced limit; at most 255
 * @param activity    per GPU activity (the extension block), or empty when not asked for or not known
 */
public record PowerReport(LeaseState state, long agentTimeMs, double totalW, List<GpuPower> gpus,
                          List<GpuActivity> activity) implements Message {

    static final int FIXED = Wire.HEADER + 1 + 8 + 4 + 1;
    static final int PER_GPU = 8;

    public PowerReport {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (agentTimeMs < 0) {
            throw new IllegalArgumentException("agentTimeMs is negative (" + agentTimeMs + ")");
        }
        totalW = Wire.watts("totalW", totalW);
        gpus = Wire.gpuList("gpus", gpus);
        activity = Wire.activityList(activity, gpus.size());
    }

    /** A version-1 report: no activity. */
    public PowerReport(LeaseState state, long agentTimeMs, double totalW, List<GpuPower> gpus) {
        this(state, agentTimeMs, totalW, gpus, List.of());
    }

    /** This report with {@code activity} (one per GPU, or none). */
    public PowerReport withActivity(List<GpuActivity> activity) {
        return new PowerReport(state, agentTimeMs, totalW, gpus, activity);
    }

    public int gpuCount() {
        return gpus.size();
    }

    @Override
    public MessageType type() {
        return MessageType.POWER_REPORT;
    }

    @Override
    public byte[] encode() {
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * gpus.size() + Wire.activityBlockSize(activity))
                .u8(state.code()).i64(agentTimeMs).f32(totalW).u8(gpus.size());
        for (GpuPower g : gpus) {
            w.f32(g.powerW()).f32(g.limitW());
        }
        Wire.writeActivityBlock(w, activity);
        return w.done();
    }

    public static PowerReport decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.POWER_REPORT, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.POWER_REPORT, FIXED);
            int stateCode = r.u8();
            long time = r.i64();
            double total = r.f32();
            int n = r.u8();
            r.expectAtLeast(FIXED + PER_GPU * n, "a count of " + n + " GPUs");
            LeaseState state;
            try {
                state = LeaseState.fromCode(stateCode);
            } catch (ProtocolException e) {
                throw r.invalid(e.getMessage());
            }
            List<GpuPower> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                double p = r.f32();
                double l = r.f32();
                try {
                    list.add(new GpuPower(p, l));
                } catch (IllegalArgumentException e) {
                    throw r.invalid("GPU " + i + " ", e);
                }
            }
            return new PowerReport(state, time, total, list, Wire.readExtensions(r, n));
        });
    }

    @Override
    public String toJson() {
        StringBuilder b = new StringBuilder(96 + 64 * gpus.size());
        b.append("{\"version\":").append(GpuProtocol.VERSION)
                .append(",\"type\":\"power\",\"state\":\"").append(state.name())
                .append("\",\"agentTimeMs\":").append(agentTimeMs)
                .append(",\"totalW\":").append(Wire.jsonW(totalW))
                .append(",\"gpuCount\":").append(gpus.size())
                .append(",\"gpus\":[");
        for (int i = 0; i < gpus.size(); i++) {
            GpuPower g = gpus.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"gpu\":").append(i)
                    .append(",\"powerW\":").append(Wire.jsonW(g.powerW()))
                    .append(",\"limitW\":").append(Wire.jsonW(g.limitW()))
                    .append('}');
        }
        b.append(']');
        if (!activity.isEmpty()) {
            b.append(Wire.jsonActivity(activity));
        }
        return b.append('}').toString();
    }
}
