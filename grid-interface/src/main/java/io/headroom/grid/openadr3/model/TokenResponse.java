package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The OAuth2 client-credentials token response (RFC 6749 snake case). {@code scope} is a space-separated string in the
 * RFC and the 3.1.0 document, a JSON array at some VTNs: both are read (the mapper accepts a single value where a list
 * is declared) and {@link #scopes()} gives the scopes either way.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenResponse(@JsonProperty("access_token") String accessToken, @JsonProperty("token_type") String tokenType,
                            @JsonProperty("expires_in") Long expiresIn, @JsonProperty("refresh_token") String refreshToken,
                            List<String> scope) {

    /** Every scope granted, however the VTN wrote them. */
    public List<String> scopes() {
        if (scope == null) {
            return List.of();
        }
        return scope.stream().filter(java.util.Objects::nonNull).flatMap(s -> java.util.Arrays.stream(s.trim().split("\\s+")))
                .filter(s -> !s.isEmpty()).toList();
    }
}
