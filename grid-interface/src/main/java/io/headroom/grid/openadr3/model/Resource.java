package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 resource (server representation) or resourceRequest (3.1: VEN_RESOURCE_REQUEST). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resource(String id, String createdDateTime, String modificationDateTime, String objectType,
                       @JsonProperty("clientID") String clientID, String resourceName, @JsonProperty("venID") String venID,
                       List<ValuesMap> attributes, List<Object> targets) {
}
