package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.ValuesMap;

import java.time.Instant;
import java.util.List;

/** An event interval with its absolute window worked out: [start, end), end may be {@link Times#FOREVER}. */
public record ResolvedInterval(int id, Instant start, Instant end, List<ValuesMap> payloads) {
    public ResolvedInterval {
        payloads = List.copyOf(payloads);
    }
}
