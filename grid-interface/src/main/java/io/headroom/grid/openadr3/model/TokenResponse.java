package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** The OAuth2 client-credentials token response (RFC 6749 snake case). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenResponse(@JsonProperty("access_token") String accessToken, @JsonProperty("token_type") String tokenType,
                            @JsonProperty("expires_in") Long expiresIn, @JsonProperty("refresh_token") String refreshToken,
                            String scope) {
}
