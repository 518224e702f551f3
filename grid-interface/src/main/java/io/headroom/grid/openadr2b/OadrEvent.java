package io.headroom.grid.openadr2b;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An OpenADR 2.0b {@code ei:eiEvent} as the VEN reads it (and the bench VTN writes it): its descriptor, active
 * period, signals with their sequential intervals, and targets.
 *
 * @param status           {@code none | far | near | active | completed | cancelled}
 * @param duration         the active period; {@link Duration#ZERO} means open-ended
 * @param startAfter       randomisation window ({@code tolerance/tolerate/startafter}), null when none
 * @param testEvent        anything but absent or "false" in {@code testEvent}
 * @param responseRequired {@code always | never}
 */
public record OadrEvent(String eventId, long modificationNumber, String marketContext, Instant createdDateTime,
                        String status, Instant start, Duration duration, Duration startAfter, boolean testEvent,
                        String responseRequired, List<Signal> signals, List<String> targetVenIds,
                        List<String> targetResourceIds) {

    public OadrEvent {
        Objects.requireNonNull(eventId, "eventID");
        signals = List.copyOf(signals);
        targetVenIds = List.copyOf(targetVenIds);
        targetResourceIds = List.copyOf(targetResourceIds);
        responseRequired = responseRequired == null ? "always" : responseRequired;
    }

    public boolean cancelled() {
        return "cancelled".equals(status);
    }

    public OadrEvent withStatus(String s, long modification) {
        return new OadrEvent(eventId, modification, marketContext, createdDateTime, s, start, duration, startAfter, testEvent,
                responseRequired, signals, targetVenIds, targetResourceIds);
    }

    /**
     * A signal: {@code signalName} (SIMPLE, ELECTRICITY_PRICE, LOAD_DISPATCH, ...), {@code signalType} (level,
     * price, setpoint, delta, ...), its id, its unit (null when the signal has none) and its intervals.
     */
    public record Signal(String name, String type, String id, ItemBase item, List<Interval> intervals) {
        public Signal {
            intervals = List.copyOf(intervals);
        }
    }

    /** One interval of a signal: its uid (as sent), its duration and its payload value. */
    public record Interval(String uid, Duration duration, double value) {
    }

    /**
     * An {@code emix:itemBase} unit: the element ({@code powerReal}, {@code energyReal}, {@code currencyPerKWh},
     * {@code customUnit}, ...), its description, its units ({@code W}, {@code Wh}, {@code USD}, ...) and SI scale
     * ({@code none, k, M, ...}).
     */
    public record ItemBase(String element, String description, String units, String siScale) {

        /** The multiplier the SI scale code stands for (1 for none or unknown). */
        public double scale() {
            return switch (siScale == null ? "none" : siScale) {
                case "p" -> 1e-12;
                case "n" -> 1e-9;
                case "micro" -> 1e-6;
                case "m" -> 1e-3;
                case "c" -> 1e-2;
                case "d" -> 1e-1;
                case "k" -> 1e3;
                case "M" -> 1e6;
                case "G" -> 1e9;
                case "T" -> 1e12;
                default -> 1;
            };
        }
    }
}
