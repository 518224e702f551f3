package io.headroom.drivers.waveform.spi;

import io.headroom.drivers.waveform.ChannelSpec;

import java.util.Objects;

/**
 * One delivered channel of an SPI ADC: which converter input it reads and how a code becomes V or A.
 *
 * <p>The converter's full scale is {@code ±VREF / G} at its input pins (VREF = 1.2 V internal on the
 * ADS131M family, G the PGA gain 1…128), so one 24-bit code is {@code VREF / (G · 2^23)} volts at the pins.
 * The front-end turns that into primary units:
 * <ul>
 *   <li>voltage (resistive divider, then a PT): {@code unitsPerCode = VREF / (G · 2^23) × divider × PT ratio}
 *       V per code, with {@code divider = (R_top + R_bottom) / R_bottom} and {@code PT ratio = V_primary /
 *       V_secondary} (1 without a PT);</li>
 *   <li>current (CT into a burden resistor): {@code unitsPerCode = VREF / (G · 2^23) / R_burden × CT ratio}
 *       A per code, with {@code CT ratio = I_primary / I_secondary} (e.g. 2000/5 = 400) and R_burden in Ω.</li>
 * </ul>
 * Value = code × unitsPerCode. Example: 1.2 V, G = 1, a 1000:1 divider and a 20 kV/120 V PT give 0.0238 V per
 * code, ±199.6 kV full scale.
 *
 * @param spec         name, kind, phase and unit, as the other sources give them
 * @param input        the converter input read, 0 … deviceChannels−1
 * @param unitsPerCode V or A per code
 */
public record AdcChannel(ChannelSpec spec, int input, double unitsPerCode) {

    /** The ADS131M family's internal reference, V. */
    public static final double INTERNAL_VREF = 1.2;

    public AdcChannel {
        Objects.requireNonNull(spec, "spec");
        if (input < 0 || input > 7) {
            throw new IllegalArgumentException("input must be 0..7, was " + input);
        }
        if (!(unitsPerCode > 0) || Double.isInfinite(unitsPerCode)) {
            throw new IllegalArgumentException("unitsPerCode must be finite and > 0, was " + unitsPerCode);
        }
    }

    /** Volts at the converter pins per code: {@code vref / (gain · 2^23)}; gain a power of two, 1…128. */
    public static double pinVoltsPerCode(double vref, int gain) {
        if (gain < 1 || gain > 128 || Integer.bitCount(gain) != 1) {
            throw new IllegalArgumentException("PGA gain must be 1, 2, 4 … 128, was " + gain);
        }
        if (!(vref > 0)) {
            throw new IllegalArgumentException("vref must be > 0, was " + vref);
        }
        return vref / (gain * Ads131mFrame.CODES_PER_FULL_SCALE);
    }

    /** A voltage channel behind a divider and a PT (see the class comment for the formula). */
    public static AdcChannel voltage(String name, int phase, int input, double vref, int gain, double dividerRatio,
                                     double ptRatio) {
        positive(dividerRatio, "dividerRatio");
        positive(ptRatio, "ptRatio");
        return new AdcChannel(ChannelSpec.voltage(name, phase), input,
                pinVoltsPerCode(vref, gain) * dividerRatio * ptRatio);
    }

    /** A current channel from a CT into a burden resistor (see the class comment for the formula). */
    public static AdcChannel current(String name, int phase, int input, double vref, int gain, double burdenOhms,
                                     double ctRatio) {
        positive(burdenOhms, "burdenOhms");
        positive(ctRatio, "ctRatio");
        return new AdcChannel(ChannelSpec.current(name, phase), input,
                pinVoltsPerCode(vref, gain) / burdenOhms * ctRatio);
    }

    /** The value of a code, V or A. */
    public double toUnits(int code) {
        return code * unitsPerCode;
    }

    /** The largest positive value this channel can report (code 2^23 − 1). */
    public double fullScale() {
        return toUnits(Ads131mFrame.MAX_CODE);
    }

    private static void positive(double v, String what) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and > 0, was " + v);
        }
    }
}
