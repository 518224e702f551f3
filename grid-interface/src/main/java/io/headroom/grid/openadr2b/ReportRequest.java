package io.headroom.grid.openadr2b;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A VTN's {@code oadrReportRequest}: which registered report ({@code reportSpecifierID}) it wants, which data points
 * ({@code rIDs}), at what granularity, sent every {@code reportBack}, over an optional {@code reportInterval}
 * (start, duration; a duration of zero or absent: until cancelled).
 *
 * @param accepted when the VEN accepted it (the schedule's origin when the request has no interval start)
 */
public record ReportRequest(String reportRequestId, String reportSpecifierId, Duration granularity, Duration reportBack,
                           Instant intervalStart, Duration intervalDuration, List<String> rIds, Instant accepted) {

    public ReportRequest {
        rIds = List.copyOf(rIds);
    }

    public ReportRequest accepted(Instant at) {
        return new ReportRequest(reportRequestId, reportSpecifierId, granularity, reportBack, intervalStart, intervalDuration, rIds, at);
    }

    /** Where the schedule starts: the interval start when given, else when it was accepted. */
    public Instant origin() {
        return intervalStart != null ? intervalStart : accepted;
    }

    /** Where it ends: origin + interval duration, or never. */
    public Instant end() {
        return intervalDuration != null && !intervalDuration.isZero() ? origin().plus(intervalDuration) : Instant.MAX;
    }

    /** The period between updates: reportBack, else the granularity. */
    public Duration period() {
        return !reportBack.isZero() ? reportBack : granularity;
    }

    /** The length of each interval in an update: the granularity, else the period. */
    public Duration step() {
        return !granularity.isZero() ? granularity : reportBack;
    }
}
