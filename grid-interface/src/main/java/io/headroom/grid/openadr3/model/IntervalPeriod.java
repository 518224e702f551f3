package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 intervalPeriod: start (RFC 3339), duration and randomizeStart (ISO 8601). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntervalPeriod(String start, String duration, String randomizeStart) {
    public IntervalPeriod(String start, String duration) {
        this(start, duration, null);
    }
}
