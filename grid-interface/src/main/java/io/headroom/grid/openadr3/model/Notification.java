package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** What a VTN posts to a subscription callback. 3.1 operations: CREATE/READ/UPDATE/DELETE; 3.0.1: GET/POST/PUT/DELETE. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Notification(String objectType, String operation, JsonNode object, List<Object> targets) {
}
