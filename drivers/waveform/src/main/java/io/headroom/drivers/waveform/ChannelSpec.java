package io.headroom.drivers.waveform;

import java.util.Objects;

/**
 * One channel of a sample stream.
 *
 * @param name  e.g. {@code feed-A/voltage-L1}
 * @param kind  voltage, current or other
 * @param phase 0 none, 1 L1/A, 2 L2/B, 3 L3/C, 4 neutral (the low nibble of the wire layout byte)
 * @param unit  engineering unit of the scaled value, e.g. {@code V} or {@code A}
 */
public record ChannelSpec(String name, ChannelKind kind, int phase, String unit) {

    public ChannelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(unit, "unit");
        if (phase < 0 || phase > 4) {
            throw new IllegalArgumentException("phase must be 0..4, was " + phase);
        }
    }

    public static ChannelSpec voltage(String name, int phase) {
        return new ChannelSpec(name, ChannelKind.VOLTAGE, phase, "V");
    }

    public static ChannelSpec current(String name, int phase) {
        return new ChannelSpec(name, ChannelKind.CURRENT, phase, "A");
    }

    /** The frame's layout byte: kind in the high nibble, phase in the low one. */
    public int layoutByte() {
        return (kind.code() << 4) | phase;
    }

    /** Phase letter as COMTRADE writes it ({@code A}, {@code B}, {@code C}, {@code N} or empty). */
    public String phaseLetter() {
        return switch (phase) {
            case 1 -> "A";
            case 2 -> "B";
            case 3 -> "C";
            case 4 -> "N";
            default -> "";
        };
    }
}
