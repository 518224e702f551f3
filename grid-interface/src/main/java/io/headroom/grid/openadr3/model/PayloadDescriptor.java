package io.headroom.grid.openadr3.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * OpenADR 3 eventPayloadDescriptor (objectType EVENT_PAYLOAD_DESCRIPTOR: payloadType, units, currency) and
 * reportPayloadDescriptor (REPORT_PAYLOAD_DESCRIPTOR: payloadType, readingType, units, accuracy, confidence).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PayloadDescriptor(String objectType, String payloadType, String readingType, String units, String currency,
                                Double accuracy, Integer confidence) {
    public static PayloadDescriptor event(String payloadType, String units, String currency) {
        return new PayloadDescriptor("EVENT_PAYLOAD_DESCRIPTOR", payloadType, null, units, currency, null, null);
    }

    public static PayloadDescriptor report(String payloadType, String readingType, String units) {
        return new PayloadDescriptor("REPORT_PAYLOAD_DESCRIPTOR", payloadType, readingType, units, null, null, null);
    }
}
