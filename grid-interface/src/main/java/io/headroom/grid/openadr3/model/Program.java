package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 program (server representation; 3.0.1-only fields such as programLongName are ignored). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Program(String id, String createdDateTime, String modificationDateTime, String objectType, String programName,
                      IntervalPeriod intervalPeriod, List<JsonNode> programDescriptions,
                      List<PayloadDescriptor> payloadDescriptors, List<ValuesMap> attributes, List<Object> targets) {
}
