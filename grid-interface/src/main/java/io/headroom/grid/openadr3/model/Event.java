package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 event (server representation), or an eventRequest when the metadata fields are null. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(String id, String createdDateTime, String modificationDateTime, String objectType,
                    @JsonProperty("programID") String programID, String eventName, String duration, Integer priority,
                    List<Object> targets, List<ReportDescriptor> reportDescriptors, List<PayloadDescriptor> payloadDescriptors,
                    IntervalPeriod intervalPeriod, List<Interval> intervals) {
    public Event {
        intervals = intervals == null ? List.of() : intervals;
    }

    /** The version a VEN keys its decisions on: the modification time, else the creation time, else "". */
    public String version() {
        return modificationDateTime != null ? modificationDateTime : createdDateTime != null ? createdDateTime : "";
    }
}
