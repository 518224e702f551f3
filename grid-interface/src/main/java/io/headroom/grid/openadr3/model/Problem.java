package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** RFC 7807 problem, the OpenADR 3 error body. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, Integer status, String detail, String instance) {
    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, null);
    }
}
