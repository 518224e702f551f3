package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** The data of one resource in a report: its name, an optional default period, intervals. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReportResource(String resourceName, IntervalPeriod intervalPeriod, List<Interval> intervals) {
    public ReportResource {
        intervals = intervals == null ? List.of() : intervals;
    }
}
