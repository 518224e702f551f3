package io.headroom.grid.openadr2b;

import io.headroom.grid.Commitment;
import io.headroom.grid.FlexibilityOracle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * OpenADR 2.0b event → commitments. Each signal's intervals follow one another from the event start (shifted by
 * the randomisation offset when the event has a {@code startafter} tolerance: a deterministic offset in
 * [0, startafter] from the event id, so a restarted VEN picks the same one); an interval of duration zero runs to
 * the end of the event.
 *
 * <ul>
 *   <li>{@code SIMPLE}/{@code simple} {@code level} 0..3 → {@link Commitment.SimpleLevel};</li>
 *   <li>{@code ELECTRICITY_PRICE}/{@code ENERGY_PRICE} {@code price} in {@code currencyPerKWh} (or no unit) →
 *       {@link Commitment.Price};</li>
 *   <li>{@code LOAD_DISPATCH} {@code setpoint} in {@code powerReal} (W × SI scale) → {@link Commitment.ImportLimit};
 *       {@code delta} → an import limit of the expected demand less the delta;</li>
 *   <li>everything else (BID_*, LOAD_CONTROL, CHARGE_STATE, DEMAND_CHARGE, relative prices) is information: logged,
 *       no commitment.</li>
 * </ul>
 * Open-ended events (duration zero) are refused: the site does not promise without an end.
 */
public final class EventTranslator2b {

    /** An event that cannot be understood; nothing is committed for it. */
    public static final class BadEventException extends RuntimeException {
        public BadEventException(String message) {
            super(message);
        }
    }

    public record Translation(List<Commitment> commitments, List<String> information, Instant start, Instant end) {
    }

    private EventTranslator2b() {
    }

    public static Duration randomOffset(OadrEvent e) {
        if (e.startAfter() == null || e.startAfter().isZero()) {
            return Duration.ZERO;
        }
        long s = e.startAfter().toSeconds();
        return Duration.ofSeconds(Math.floorMod(e.eventId().hashCode() * 31L + e.modificationNumber(), s + 1));
    }

    public static Translation translate(OadrEvent e, FlexibilityOracle oracle) {
        String where = "event " + e.eventId() + ": ";
        if (e.duration().isZero()) {
            throw new BadEventException(where + "open-ended (duration PT0S); the site does not commit without an end");
        }
        Instant start = e.start().plus(randomOffset(e));
        Instant end = start.plus(e.duration());
        List<Commitment> out = new ArrayList<>();
        List<String> info = new ArrayList<>();
        for (OadrEvent.Signal s : e.signals()) {
            Instant t = start;
            for (int i = 0; i < s.intervals().size(); i++) {
                OadrEvent.Interval iv = s.intervals().get(i);
                Instant ivEnd = iv.duration().isZero() ? end : t.plus(iv.duration());
                if (!ivEnd.isAfter(t)) {
                    throw new BadEventException(where + "signal " + s.id() + " interval " + iv.uid() + " starts at or after the event end");
                }
                String id = e.eventId() + "/" + s.id() + "/" + iv.uid();
                Commitment c = commitment(e, s, iv, id, t, ivEnd, oracle, where);
                if (c != null) {
                    out.add(c);
                } else if (i == 0) {
                    info.add(s.name() + "/" + s.type());
                }
                t = ivEnd;
            }
        }
        return new Translation(out, info, start, end);
    }

    private static Commitment commitment(OadrEvent e, OadrEvent.Signal s, OadrEvent.Interval iv, String id, Instant a, Instant b,
                                         FlexibilityOracle oracle, String where) {
        String name = s.name().toUpperCase(Locale.ROOT);
        String type = s.type();
        double v = iv.value();
        switch (name) {
            case "SIMPLE" -> {
                if (!"level".equals(type)) {
                    return null;
                }
                if (v < 0 || v > 3 || v != Math.rint(v)) {
                    throw new BadEventException(where + "SIMPLE level " + v + " in interval " + iv.uid() + " is not 0..3");
                }
                return new Commitment.SimpleLevel(id, a, b, (int) v, e.eventId());
            }
            case "ELECTRICITY_PRICE", "ENERGY_PRICE" -> {
                if (!"price".equals(type)) {
                    return null;
                }
                if (s.item() != null && !"currencyPerKWh".equals(s.item().element())) {
                    return null;
                }
                return new Commitment.Price(id, a, b, v, s.item() == null ? "" : s.item().units(), e.eventId());
            }
            case "LOAD_DISPATCH" -> {
                if (s.item() == null || !"powerReal".equals(s.item().element())) {
                    throw new BadEventException(where + "LOAD_DISPATCH signal " + s.id() + " without a powerReal unit");
                }
                double w = v * s.item().scale();
                if ("setpoint".equals(type)) {
                    if (!(w >= 0)) {
                        throw new BadEventException(where + "LOAD_DISPATCH setpoint " + v + " in interval " + iv.uid() + " is negative");
                    }
                    return new Commitment.ImportLimit(id, a, b, w, e.eventId());
                }
                if ("delta".equals(type)) {
                    double expected = oracle.assess(a, b).expectedDemandW();
                    return new Commitment.ImportLimit(id, a, b, Math.max(0, expected - Math.abs(w)), e.eventId());
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }
}
