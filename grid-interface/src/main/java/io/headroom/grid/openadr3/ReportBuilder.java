package io.headroom.grid.openadr3;

import io.headroom.grid.OptDecision;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.Commitment;
import io.headroom.grid.openadr3.model.Interval;
import io.headroom.grid.openadr3.model.IntervalPeriod;
import io.headroom.grid.openadr3.model.PayloadDescriptor;
import io.headroom.grid.openadr3.model.Report;
import io.headroom.grid.openadr3.model.ReportDescriptor;
import io.headroom.grid.openadr3.model.ReportResource;
import io.headroom.grid.openadr3.model.ValuesMap;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Builds the reportRequest bodies the VEN sends. Values, per event interval [start, end):
 * <ul>
 *   <li>USAGE: energy imported (units KWH by default; WH, MWH);</li>
 *   <li>DEMAND: mean import (KW by default; W, MW), readingType MEAN;</li>
 *   <li>BASELINE: the event's baseline (see below) as power, or as energy when the descriptor's units are *WH;</li>
 *   <li>DELTA_USAGE: usage − baseline energy (negative: load shed), KWH by default.</li>
 * </ul>
 * <b>Baseline</b> (documented, deterministic): the mean import metered over the {@code baselineWindow} (default one
 * hour) that ends at the event's first interval start ("meter before"); when that history is missing, the
 * control core's expected demand for the event window. It is computed once per event and journaled.
 * An interval whose metering is missing carries no payloads (logged); other payload types are not produced. Every
 * interval of a report carries one payload: the intervals are repeated per payload type ({@link #onePayloadEach}).
 */
public final class ReportBuilder {

    public static final Set<String> SUPPORTED = Set.of("USAGE", "DEMAND", "BASELINE", "DELTA_USAGE");

    private final OpenAdrVersion version;
    private final String clientName;
    private final String resourceName;

    public ReportBuilder(OpenAdrVersion version, String clientName, String resourceName) {
        this.version = version;
        this.clientName = clientName;
        this.resourceName = resourceName;
    }

    public record Built(Report report, List<String> problems) {
    }

    public Built build(ReportPlanner.Due due, String programId, double baselineW, SiteTelemetry telemetry) {
        List<String> problems = new ArrayList<>();
        Set<String> types = new LinkedHashSet<>();
        List<PayloadDescriptor> descriptors = new ArrayList<>();
        for (ReportDescriptor d : due.descriptors()) {
            if (!SUPPORTED.contains(d.payloadType())) {
                problems.add("payload type " + d.payloadType() + " is not reported by this VEN");
                continue;
            }
            if (types.add(d.payloadType())) {
                descriptors.add(PayloadDescriptor.report(d.payloadType(), readingType(d), units(d)));
            }
        }
        List<Interval> intervals = new ArrayList<>();
        for (ResolvedInterval i : due.intervals()) {
            List<ValuesMap> payloads = new ArrayList<>();
            OptionalDouble wh = telemetry.energyWh(i.start(), i.end());
            double hours = Duration.between(i.start(), i.end()).toMillis() / 3_600_000.0;
            if (wh.isEmpty()) {
                problems.add("interval " + i.id() + " [" + i.start() + ", " + i.end() + ") was not metered");
            } else {
                for (PayloadDescriptor d : descriptors) {
                    double value = switch (d.payloadType()) {
                        case "USAGE" -> energy(wh.getAsDouble(), d.units());
                        case "DEMAND" -> power(wh.getAsDouble() / hours, d.units());
                        case "BASELINE" -> isEnergy(d.units()) ? energy(baselineW * hours, d.units()) : power(baselineW, d.units());
                        case "DELTA_USAGE" -> energy(wh.getAsDouble() - baselineW * hours, d.units());
                        default -> throw new IllegalStateException(d.payloadType());
                    };
                    payloads.add(new ValuesMap(d.payloadType(), List.of(round(value))));
                }
            }
            intervals.add(new Interval(i.id(), new IntervalPeriod(Times.format(i.start()),
                    Duration.between(i.start(), i.end()).toString()), payloads));
        }
        String resource = due.aggregate() ? "AGGREGATED_REPORT" : resourceName;
        Report r = new Report(null, null, null, null, version == OpenAdrVersion.V3_0_1 ? programId : null, due.eventId(), clientName,
                null, due.key(), descriptors, List.of(new ReportResource(resource, null, onePayloadEach(intervals))));
        return new Built(r, problems);
    }

    public static String optKey(String eventId, String version) {
        return "headroom-opt:" + eventId + ":" + version;
    }

    /**
     * The opt report: OpenADR 3 has no opt message, so the VEN states its decision in a report on the event: a
     * private OPT_STATUS payload [OPT_IN|OPT_PARTIAL|OPT_OUT, reason] on every interval, and LOAD_SHED_DELTA_AVAILABLE
     * (KW, the shed the site commits to against its expected demand) on each interval carrying an import limit.
     */
    public Report optReport(OptDecision d, String programId, List<ResolvedInterval> intervals, double expectedDemandW) {
        List<Interval> out = new ArrayList<>();
        for (ResolvedInterval i : intervals) {
            List<ValuesMap> payloads = new ArrayList<>();
            payloads.add(new ValuesMap("OPT_STATUS", List.of(d.kind().name(), d.reason())));
            String prefix = d.eventId() + "/" + i.id() + "/";
            for (Commitment c : d.commitments()) {
                if (c instanceof Commitment.ImportLimit l && l.id().startsWith(prefix)) {
                    payloads.add(new ValuesMap("LOAD_SHED_DELTA_AVAILABLE", List.of(round(Math.max(0, expectedDemandW - l.limitW()) / 1e3))));
                }
            }
            String duration = i.end().equals(Times.FOREVER) ? "P9999Y" : Duration.between(i.start(), i.end()).toString();
            out.add(new Interval(i.id(), new IntervalPeriod(Times.format(i.start()), duration), payloads));
        }
        return new Report(null, null, null, null, version == OpenAdrVersion.V3_0_1 ? programId : null, d.eventId(), clientName, null,
                optKey(d.eventId(), d.eventVersion()),
                List.of(PayloadDescriptor.report("LOAD_SHED_DELTA_AVAILABLE", null, "KW")),
                List.of(new ReportResource(resourceName, null, onePayloadEach(out))));
    }

    /**
     * The intervals repeated per payload type, each carrying one payload (the event's interval id kept, as the User
     * Guide does for sub-intervals): the 3.1.0 schema allows several payloads per interval, but most VTNs expect one,
     * as with 2.0b's oadrReportPayload (issue #24). An interval without any payload (not metered) is kept once.
     */
    static List<Interval> onePayloadEach(List<Interval> in) {
        Set<String> types = new LinkedHashSet<>();
        in.forEach(i -> i.payloads().forEach(p -> types.add(p.type())));
        List<Interval> out = new ArrayList<>();
        for (String type : types) {
            for (Interval i : in) {
                for (ValuesMap p : i.payloads()) {
                    if (type.equals(p.type())) {
                        out.add(new Interval(i.id(), i.intervalPeriod(), List.of(p)));
                    }
                }
            }
        }
        in.stream().filter(i -> i.payloads().isEmpty()).forEach(out::add);
        return out;
    }

    private static String readingType(ReportDescriptor d) {
        if (d.readingType() != null) {
            return d.readingType();
        }
        return "DEMAND".equals(d.payloadType()) ? "MEAN" : "DIRECT_READ";
    }

    private static String units(ReportDescriptor d) {
        if (d.units() != null) {
            return d.units().toUpperCase(Locale.ROOT);
        }
        return switch (d.payloadType()) {
            case "DEMAND", "BASELINE" -> "KW";
            default -> "KWH";
        };
    }

    private static boolean isEnergy(String units) {
        return units.endsWith("WH");
    }

    static double energy(double wh, String units) {
        return switch (units) {
            case "WH" -> wh;
            case "MWH" -> wh / 1e6;
            default -> wh / 1e3;
        };
    }

    static double power(double w, String units) {
        return switch (units) {
            case "W" -> w;
            case "MW" -> w / 1e6;
            default -> w / 1e3;
        };
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
