package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * OpenADR 3 reportDescriptor: a report the event asks of the VEN. Absent timing fields take the spec defaults
 * (startInterval -1, numIntervals -1, historical true, frequency -1, repeat 1, reportIntervals INTERVALS).
 * {@code targets} are strings in 3.1 and valuesMaps in 3.0.1, read as they come.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReportDescriptor(String payloadType, String readingType, String units, List<Object> targets, Boolean aggregate,
                               Integer startInterval, Integer numIntervals, Boolean historical, Integer frequency,
                               Integer repeat, String reportIntervals) {
    public static ReportDescriptor of(String payloadType, String readingType, String units) {
        return new ReportDescriptor(payloadType, readingType, units, null, null, null, null, null, null, null, null);
    }

    public int startIntervalOrDefault() { return startInterval == null ? -1 : startInterval; }
    public int numIntervalsOrDefault() { return numIntervals == null ? -1 : numIntervals; }
    public boolean historicalOrDefault() { return historical == null || historical; }
    public int frequencyOrDefault() { return frequency == null ? -1 : frequency; }
    public int repeatOrDefault() { return repeat == null ? 1 : repeat; }
    public String reportIntervalsOrDefault() { return reportIntervals == null ? "INTERVALS" : reportIntervals; }
}
