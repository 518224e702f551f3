package io.headroom.appliance.site;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the physical quantities of a site file: a number, an optional space, and a unit, such as {@code "150 A"},
 * {@code "2 kWh"}, {@code "100 ms"} or {@code "3 %"}. Values come back in the base unit of their kind (A, V, W, Wh,
 * Hz, milliseconds, and fractions for percentages). Units are case-sensitive ({@code mW} is not {@code MW}).
 * A plain number without a unit is an error: site files always say what they mean.
 */
public final class Quantity {

    /** What a quantity measures, with its accepted units and their factors to the base unit. */
    public enum Kind {
        /** Base unit: ampere. */
        CURRENT("a current", List.of("A"), units("A", 1, "kA", 1e3)),
        /** Base unit: volt. */
        VOLTAGE("a voltage", List.of("V"), units("V", 1, "kV", 1e3)),
        /** Base unit: watt. */
        POWER("a power", List.of("W"), units("W", 1, "kW", 1e3, "MW", 1e6)),
        /** Base unit: watt-hour. */
        ENERGY("an energy", List.of("kWh"), units("Wh", 1, "kWh", 1e3, "MWh", 1e6)),
        /** Base unit: millisecond. */
        TIME("a time", List.of("ms", "s"), units("ms", 1, "s", 1e3, "min", 60e3, "h", 3600e3)),
        /** Base unit: hertz. */
        FREQUENCY("a frequency", List.of("Hz"), units("Hz", 1)),
        /** Base unit: a fraction (3 % is 0.03). */
        PERCENT("a percentage", List.of("%"), units("%", 0.01)),
        /** Base unit: watt per second. */
        RAMP("a ramp rate", List.of("kW/s"), units("W/s", 1, "kW/s", 1e3, "MW/s", 1e6)),
        /** Base unit: samples per second. */
        SAMPLE_RATE("a sample rate", List.of("kS/s"), units("S/s", 1, "kS/s", 1e3, "MS/s", 1e6));

        private final String noun;
        private final List<String> suggestedUnits;
        private final Map<String, Double> factors;

        Kind(String noun, List<String> suggestedUnits, Map<String, Double> factors) {
            this.noun = noun;
            this.suggestedUnits = suggestedUnits;
            this.factors = factors;
        }

        /** The accepted unit symbols, smallest first. */
        public List<String> units() {
            return List.copyOf(factors.keySet());
        }

        /** For messages, e.g. {@code "a current in A or kA"}. */
        public String describe() {
            List<String> u = units();
            String list = u.size() == 1 ? u.getFirst()
                    : String.join(", ", u.subList(0, u.size() - 1)) + " or " + u.getLast();
            return noun + " in " + list;
        }

        /** The factor from {@code unit} to the base unit, or null when {@code unit} is not one of this kind's. */
        public Double factor(String unit) {
            return factors.get(unit);
        }

        private static Map<String, Double> units(Object... symbolAndFactor) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < symbolAndFactor.length; i += 2) {
                m.put((String) symbolAndFactor[i], ((Number) symbolAndFactor[i + 1]).doubleValue());
            }
            return m;
        }
    }

    /** A quantity that could not be parsed; the message is a human-readable reason. */
    public static final class QuantityFormatException extends IllegalArgumentException {
        public QuantityFormatException(String reason) {
            super(reason);
        }
    }

    private static final Pattern QUANTITY = Pattern.compile(
            "([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*(.*)");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");

    private Quantity() {
    }

    /**
     * Parses {@code text} as a quantity of {@code kind}, returning it in the base unit.
     *
     * @throws QuantityFormatException with a reason such as {@code expected a current in A or kA, got "150 kW"}
     *                                 or {@code needs a unit: 150 A}
     */
    public static double parse(String text, Kind kind) {
        String t = text == null ? "" : text.strip();
        Matcher m = QUANTITY.matcher(t);
        if (!m.matches()) {
            throw new QuantityFormatException("expected " + kind.describe() + ", got \"" + t + "\"");
        }
        String number = m.group(1);
        String unit = m.group(2);
        if (unit.isEmpty()) {
            throw new QuantityFormatException("needs a unit: " + String.join(" or ",
                    kind.suggestedUnits.stream().map(u -> number + " " + u).toList()));
        }
        Double factor = kind.factor(unit);
        if (factor == null) {
            throw new QuantityFormatException("expected " + kind.describe() + ", got \"" + t + "\"");
        }
        double v = Double.parseDouble(number) * factor;
        if (!Double.isFinite(v)) {
            throw new QuantityFormatException("out of range: \"" + t + "\"");
        }
        return v;
    }

    /** True when {@code text} is a plain decimal number (no unit, no {@code NaN}/{@code Infinity}). */
    public static boolean isPlainNumber(String text) {
        return text != null && NUMBER.matcher(text.strip()).matches();
    }

    /** Current in amperes. */
    public static double amps(String text) {
        return parse(text, Kind.CURRENT);
    }

    /** Voltage in volts. */
    public static double volts(String text) {
        return parse(text, Kind.VOLTAGE);
    }

    /** Power in watts. */
    public static double watts(String text) {
        return parse(text, Kind.POWER);
    }

    /** Energy in watt-hours. */
    public static double wattHours(String text) {
        return parse(text, Kind.ENERGY);
    }

    /** Frequency in hertz. */
    public static double hertz(String text) {
        return parse(text, Kind.FREQUENCY);
    }

    /** A percentage as a fraction: {@code "3 %"} is 0.03. */
    public static double fraction(String text) {
        return parse(text, Kind.PERCENT);
    }

    /** A time in whole milliseconds (rounded). */
    public static long millis(String text) {
        return Math.round(parse(text, Kind.TIME));
    }
}
