package io.headroom.drivers.waveform.comtrade;

/**
 * An analog channel of a COMTRADE record ({@code An,ch_id,ph,ccbm,uu,a,b,skew,min,max,primary,secondary,PS}).
 * Values in a {@link ComtradeRecord} are already scaled ({@code a·x + b}); {@code a}, {@code b} are those of
 * the file read (the writer chooses its own).
 */
public record AnalogChannel(String id, String phase, String circuit, String unit, double a, double b,
                            double skewMicros, double primary, double secondary, char primaryOrSecondary) {

    public static AnalogChannel of(String id, String phase, String circuit, String unit) {
        return new AnalogChannel(id, phase, circuit, unit, 1, 0, 0, 1, 1, 'P');
    }
}
