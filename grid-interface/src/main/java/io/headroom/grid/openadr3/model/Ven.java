package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 ven (server representation) or venRequest (3.1: objectType VEN_VEN_REQUEST or BL_VEN_REQUEST). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Ven(String id, String createdDateTime, String modificationDateTime, String objectType,
                  @JsonProperty("clientID") String clientID, String venName, List<ValuesMap> attributes, List<Object> targets) {
}
