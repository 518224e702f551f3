package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** OpenADR 3 valuesMap: a type (PRICE, USAGE, ...) and its values (numbers, strings, booleans, points). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValuesMap(String type, List<Object> values) {
    public ValuesMap {
        values = values == null ? List.of() : values;
    }
}
