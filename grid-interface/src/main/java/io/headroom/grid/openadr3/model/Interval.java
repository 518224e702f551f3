package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 interval: a client-assigned id, an optional period overriding the parent one, payloads. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Interval(Integer id, IntervalPeriod intervalPeriod, List<ValuesMap> payloads) {
    public Interval {
        payloads = payloads == null ? List.of() : payloads;
    }
}
