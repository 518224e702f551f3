package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * OpenADR 3 report (server representation) or reportRequest (metadata null). {@code programID} is written for
 * 3.0.1 servers only (3.1 dropped it); {@code clientID} is set by the server.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Report(String id, String createdDateTime, String modificationDateTime, String objectType,
                     @JsonProperty("programID") String programID, @JsonProperty("eventID") String eventID,
                     String clientName, @JsonProperty("clientID") String clientID, String reportName,
                     List<PayloadDescriptor> payloadDescriptors, List<ReportResource> resources) {
    public Report {
        resources = resources == null ? List.of() : resources;
    }
}
