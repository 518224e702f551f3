package io.headroom.grid.openadr3;

import io.headroom.grid.Commitment;
import io.headroom.grid.openadr3.model.Event;
import io.headroom.grid.openadr3.model.Interval;
import io.headroom.grid.openadr3.model.IntervalPeriod;
import io.headroom.grid.openadr3.model.PayloadDescriptor;
import io.headroom.grid.openadr3.model.Program;
import io.headroom.grid.openadr3.model.ValuesMap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * OpenADR 3 event → absolute intervals → commitments. Pure: no I/O, no clock (the caller passes "now", used
 * only where the event says "now" without a creation time).
 *
 * <p>Interval timing: an interval's own intervalPeriod overrides the event's; an interval without a start
 * follows the previous one (the first starts at the event's start); a missing duration means "until further
 * notice". Looping (event.duration longer than its intervals) is not expanded.
 *
 * <p>Payloads understood: IMPORT_CAPACITY_LIMIT and EXPORT_CAPACITY_LIMIT (units W, KW (default), MW),
 * PRICE (per KWH (default), WH or MWH, currency from the descriptor), SIMPLE (0..3). Other payload types are
 * informational and produce no commitment. A wrong value (a limit that is not a number ≥ 0) rejects the event.
 */
public final class EventTranslator {

    private EventTranslator() {
    }

    /** An event that cannot be understood; the reason is logged and the event is not acknowledged as accepted. */
    public static final class BadEventException extends RuntimeException {
        public BadEventException(String message) {
            super(message);
        }
    }

    public static List<ResolvedInterval> intervals(Event e, Instant now) {
        if (e.id() == null || e.id().isBlank()) {
            throw new BadEventException("event without id");
        }
        if (e.programID() == null || e.programID().isBlank()) {
            throw new BadEventException("event " + e.id() + " without programID");
        }
        Instant created = now;
        if (e.createdDateTime() != null) {
            try {
                created = Times.parseDateTime(e.createdDateTime(), now);
            } catch (IllegalArgumentException ignored) {
                created = now;
            }
        }
        IntervalPeriod base = e.intervalPeriod();
        List<ResolvedInterval> out = new ArrayList<>();
        Instant cursor = null;
        try {
            if (base != null && base.start() != null) {
                cursor = Times.parseDateTime(base.start(), created);
            }
            for (Interval i : e.intervals()) {
                if (i.id() == null) {
                    throw new BadEventException("event " + e.id() + ": interval without id");
                }
                IntervalPeriod p = i.intervalPeriod();
                Instant start = p != null && p.start() != null ? Times.parseDateTime(p.start(), created) : cursor;
                if (start == null) {
                    throw new BadEventException("event " + e.id() + ": interval " + i.id() + " has no start (neither its own nor the event's)");
                }
                String duration = p != null && p.duration() != null ? p.duration() : base != null ? base.duration() : null;
                Instant end = duration == null ? Times.FOREVER : Times.plus(start, duration);
                if (!end.isAfter(start)) {
                    throw new BadEventException("event " + e.id() + ": interval " + i.id() + " has duration " + duration + " (not > 0)");
                }
                out.add(new ResolvedInterval(i.id(), start, end, i.payloads()));
                cursor = end;
            }
        } catch (IllegalArgumentException ex) {
            throw new BadEventException("event " + e.id() + ": " + ex.getMessage());
        }
        return out;
    }

    /** Every commitment the event asks for, with origin = event id. */
    public static List<Commitment> commitments(Event e, Program program, Instant now) {
        List<Commitment> out = new ArrayList<>();
        for (ResolvedInterval i : intervals(e, now)) {
            for (ValuesMap v : i.payloads()) {
                if (v.type() == null) {
                    throw new BadEventException("event " + e.id() + ": interval " + i.id() + " has a payload without type");
                }
                String id = e.id() + "/" + i.id() + "/" + v.type();
                Optional<PayloadDescriptor> d = descriptor(e, program, v.type());
                String units = d.map(PayloadDescriptor::units).orElse(null);
                try {
                    switch (v.type()) {
                        case "IMPORT_CAPACITY_LIMIT" -> out.add(new Commitment.ImportLimit(id, i.start(), i.end(),
                                watts(number(v, e, i), units), e.id()));
                        case "EXPORT_CAPACITY_LIMIT" -> out.add(new Commitment.ExportLimit(id, i.start(), i.end(),
                                watts(number(v, e, i), units), e.id()));
                        case "PRICE" -> out.add(new Commitment.Price(id, i.start(), i.end(), perKwh(number(v, e, i), units),
                                d.map(PayloadDescriptor::currency).orElse(""), e.id()));
                        case "SIMPLE" -> {
                            double level = number(v, e, i);
                            if (level != Math.rint(level)) {
                                throw new BadEventException("SIMPLE level " + level + " is not an integer");
                            }
                            out.add(new Commitment.SimpleLevel(id, i.start(), i.end(), (int) level, e.id()));
                        }
                        default -> {
                            // informational for this site (alerts, GHG, ...): no commitment
                        }
                    }
                } catch (IllegalArgumentException ex) {
                    throw new BadEventException("event " + e.id() + ": interval " + i.id() + " " + v.type() + ": " + ex.getMessage());
                }
            }
        }
        return out;
    }

    static Optional<PayloadDescriptor> descriptor(Event e, Program program, String type) {
        if (e.payloadDescriptors() != null) {
            for (PayloadDescriptor d : e.payloadDescriptors()) {
                if (type.equals(d.payloadType())) {
                    return Optional.of(d);
                }
            }
        }
        if (program != null && program.payloadDescriptors() != null) {
            for (PayloadDescriptor d : program.payloadDescriptors()) {
                if (type.equals(d.payloadType())) {
                    return Optional.of(d);
                }
            }
        }
        return Optional.empty();
    }

    private static double number(ValuesMap v, Event e, ResolvedInterval i) {
        if (v.values().isEmpty()) {
            throw new BadEventException("event " + e.id() + ": interval " + i.id() + " " + v.type() + " has no value");
        }
        Object o = v.values().getFirst();
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ex) {
                // fall through
            }
        }
        throw new BadEventException("event " + e.id() + ": interval " + i.id() + " " + v.type() + " value " + o + " is not a number");
    }

    static double watts(double value, String units) {
        String u = units == null ? "KW" : units.toUpperCase(Locale.ROOT);
        return switch (u) {
            case "W" -> value;
            case "KW" -> value * 1e3;
            case "MW" -> value * 1e6;
            default -> throw new IllegalArgumentException("power units '" + units + "' not understood (W, KW, MW)");
        };
    }

    static double perKwh(double value, String units) {
        String u = units == null ? "KWH" : units.toUpperCase(Locale.ROOT);
        return switch (u) {
            case "KWH" -> value;
            case "WH" -> value * 1e3;
            case "MWH" -> value / 1e3;
            default -> throw new IllegalArgumentException("price units '" + units + "' not understood (KWH, WH, MWH)");
        };
    }
}
