package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 subscription (server representation) or subscriptionRequest. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Subscription(String id, String createdDateTime, String modificationDateTime, String objectType,
                           @JsonProperty("clientID") String clientID, String clientName, @JsonProperty("programID") String programID,
                           List<ObjectOperation> objectOperations, List<Object> targets) {
    public Subscription {
        objectOperations = objectOperations == null ? List.of() : objectOperations;
    }
}
