package io.headroom.grid.openadr3;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The one JSON mapper: tolerant reading (unknown fields ignored, absent optional fields null, single values
 * accepted where arrays are expected), strict writing (no nulls; only the fields the records declare).
 */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private Json() {
    }

    /** A body that is not the JSON it should be; carries a reason fit for a log line or a 400. */
    public static final class BadJsonException extends RuntimeException {
        public BadJsonException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(String body, Class<T> type) {
        try {
            T t = MAPPER.readValue(body, type);
            if (t == null) {
                throw new BadJsonException("empty body where a " + type.getSimpleName() + " was expected", null);
            }
            return t;
        } catch (IOException e) {
            throw new BadJsonException("not a " + type.getSimpleName() + ": " + oneLine(e), e);
        }
    }

    public static <T> List<T> readList(String body, Class<T> type) {
        JavaType t = MAPPER.getTypeFactory().constructCollectionType(List.class, type);
        try {
            List<T> list = MAPPER.readValue(body, t);
            if (list == null) {
                throw new BadJsonException("empty body where a list of " + type.getSimpleName() + " was expected", null);
            }
            return list;
        } catch (IOException e) {
            throw new BadJsonException("not a list of " + type.getSimpleName() + ": " + oneLine(e), e);
        }
    }

    static String oneLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
