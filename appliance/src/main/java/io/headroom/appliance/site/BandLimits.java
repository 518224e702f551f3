package io.headroom.appliance.site;

import java.util.List;

/**
 * {@code control.bands}: what the interconnection agreement allows the site's import to do in the frequency domain —
 * per band, a limit on the swing of the band-passed site power at the point of interconnection, and ramp limits up
 * and down, separately for normal operation and for job start/stop (a whole training job's power arriving or leaving
 * within a second, which agreements usually allow faster than an oscillation).
 *
 * @param bands        the band limits, in file order (empty: none)
 * @param normal       ramp limits in normal operation; null: none
 * @param jobStartStop ramp limits while a job starts, stops or checkpoints; null: as {@code normal}
 */
public record BandLimits(List<Band> bands, Ramp normal, Ramp jobStartStop) {

    /** No band or ramp limit. */
    public static final BandLimits NONE = new BandLimits(List.of(), null, null);

    public BandLimits {
        bands = List.copyOf(bands);
    }

    /** How a band's swing is measured. */
    public enum Measure {
        /** Peak-to-peak of the band-passed power over the monitor's window. */
        PEAK_TO_PEAK,
        /** Root mean square of the band-passed power over the monitor's window. */
        RMS
    }

    /**
     * One band's limit. The limit is either {@code watts} or {@code fractionOfContract} (the other NaN).
     *
     * @param lowHz              the band's lower edge, Hz (&gt; 0)
     * @param highHz             the band's upper edge, Hz (&gt; lowHz, below the site frequency)
     * @param measure            peak-to-peak or RMS of the band-passed power
     * @param watts              the limit in W, or NaN
     * @param fractionOfContract the limit as a share of the contract import limit, or NaN
     */
    public record Band(double lowHz, double highHz, Measure measure, double watts, double fractionOfContract) {

        /** The limit in W for a contract import limit of {@code contractW}. */
        public double limitW(double contractW) {
            return Double.isNaN(watts) ? fractionOfContract * contractW : watts;
        }

        /** For messages and figure names: {@code 0.1–2 Hz}. */
        public String label() {
            return trim(lowHz) + "–" + trim(highHz) + " Hz";
        }

        private static String trim(double v) {
            return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        }
    }

    /** Ramp limits, W/s, each &gt; 0 (infinite: none that way). */
    public record Ramp(double upWPerS, double downWPerS) {
    }

    /** True when the file set neither a band nor a ramp limit. */
    public boolean none() {
        return bands.isEmpty() && normal == null && jobStartStop == null;
    }

    /** The ramp limits that hold while a job starts or stops: {@code jobStartStop}, else {@code normal}. */
    public Ramp jobRamp() {
        return jobStartStop != null ? jobStartStop : normal;
    }
}
