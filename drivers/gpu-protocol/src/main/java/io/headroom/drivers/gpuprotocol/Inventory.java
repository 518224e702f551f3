package io.headroom.drivers.gpuprotocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The GPUs of a node and their power-limit ranges ({@code GET /gpus}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x01 | count u8 | count × (minW f32, maxW f32,
 * defaultW f32)}: {@code 3 + 12·count} bytes.
 *
 * @param gpus one entry per GPU, index = GPU number; at most 255
 */
public record Inventory(List<GpuLimits> gpus) implements Message {

    static final int FIXED = Wire.HEADER + 1;
    static final int PER_GPU = 12;

    public Inventory {
        gpus = Wire.gpuList("gpus", gpus);
    }

    /** The inventory of a backend, as the agent reports it. */
    public static Inventory of(GpuBackend backend) {
        int n = backend.gpuCount();
        List<GpuLimits> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                list.add(new GpuLimits(backend.minW(i), backend.maxW(i), backend.defaultW(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("backend GPU " + i + ": " + e.getMessage(), e);
            }
        }
        return new Inventory(list);
    }

    public int gpuCount() {
        return gpus.size();
    }

    /** The range of GPU {@code gpu}. */
    public GpuLimits gpu(int gpu) {
        return gpus.get(gpu);
    }

    @Override
    public MessageType type() {
        return MessageType.INVENTORY;
    }

    @Override
    public byte[] encode() {
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * gpus.size()).u8(gpus.size());
        for (GpuLimits g : gpus) {
            w.f32(g.minW()).f32(g.maxW()).f32(g.defaultW());
        }
        return w.done();
    }

    public static Inventory decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.INVENTORY, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.INVENTORY, FIXED);
            int n = r.u8();
            r.expectLength(FIXED + PER_GPU * n, "a count of " + n + " GPUs");
            List<GpuLimits> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                double min = r.f32();
                double max = r.f32();
                double def = r.f32();
                try {
                    list.add(new GpuLimits(min, max, def));
                } catch (IllegalArgumentException e) {
                    throw r.invalid("GPU " + i + " ", e);
                }
            }
            return new Inventory(list);
        });
    }

    @Override
    public String toJson() {
        StringBuilder b = new StringBuilder(64 + 80 * gpus.size());
        b.append("{\"version\":").append(GpuProtocol.VERSION)
                .append(",\"type\":\"inventory\",\"gpuCount\":").append(gpus.size())
                .append(",\"gpus\":[");
        for (int i = 0; i < gpus.size(); i++) {
            GpuLimits g = gpus.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"gpu\":").append(i)
                    .append(",\"minW\":").append(Wire.jsonW(g.minW()))
                    .append(",\"maxW\":").append(Wire.jsonW(g.maxW()))
                    .append(",\"defaultW\":").append(Wire.jsonW(g.defaultW()))
                    .append('}');
        }
        return b.append("]}").toString();
    }
}
