package io.headroom.grid.openadr3;

import com.fasterxml.jackson.databind.JsonNode;
import io.headroom.grid.OptDecision;
import io.headroom.grid.openadr3.model.ObjectOperation;
import io.headroom.grid.openadr3.model.Report;
import io.headroom.grid.openadr3.model.ReportDescriptor;
import io.headroom.grid.openadr3.model.Resource;
import io.headroom.grid.openadr3.model.Subscription;
import io.headroom.grid.openadr3.model.Ven;
import io.headroom.grid.SiteTelemetry;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Strict writing: what the VEN sends has every property the 3.1.0 OpenAPI schema requires and none it does not
 * declare (read from ../shared/specs, with the stray '-' of line 2009 removed in memory).
 */
class WireShapesTest {

    static final Path SPEC = Path.of(System.getProperty("user.dir")).resolve("../../shared/specs/openadr3/3.1.0/openadr3.yaml").normalize();

    @SuppressWarnings("unchecked")
    static Map<String, Object> schemas() throws Exception {
        String text = Files.readString(SPEC).replace("default: null          -", "default: null");
        Map<String, Object> root = new Yaml().load(text);
        return (Map<String, Object>) ((Map<String, Object>) root.get("components")).get("schemas");
    }

    @SuppressWarnings("unchecked")
    static void collect(Map<String, Object> schemas, Map<String, Object> s, Set<String> props, Set<String> required) {
        if (s.containsKey("$ref")) {
            String name = ((String) s.get("$ref")).substring("#/components/schemas/".length());
            collect(schemas, (Map<String, Object>) schemas.get(name), props, required);
        }
        for (Object part : (List<Object>) s.getOrDefault("allOf", List.of())) {
            collect(schemas, (Map<String, Object>) part, props, required);
        }
        props.addAll(((Map<String, Object>) s.getOrDefault("properties", Map.of())).keySet());
        required.addAll((List<String>) s.getOrDefault("required", List.of()));
    }

    static void conforms(Object written, String schema) throws Exception {
        Map<String, Object> schemas = schemas();
        Set<String> props = new HashSet<>();
        Set<String> required = new HashSet<>();
        collect(schemas, Map.of("$ref", "#/components/schemas/" + schema), props, required);
        JsonNode n = Json.MAPPER.readTree(Json.write(written));
        Set<String> keys = new HashSet<>();
        n.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as(schema + " properties").isSubsetOf(props);
        assertThat(keys).as(schema + " required").containsAll(required);
    }

    @Test
    void venResourceSubscriptionAndReportRequestsMatchThe310Schemas() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(SPEC) || "true".equals(System.getenv("CI")),
                "the OpenADR specs are not in ../shared/specs");
        assertThat(SPEC).exists();
        conforms(new Ven(null, null, null, "VEN_VEN_REQUEST", null, "ven-1", null, null), "VenVenRequest");
        conforms(new Resource(null, null, null, "VEN_RESOURCE_REQUEST", null, "site", "ven-1", null, null), "VenResourceRequest");
        conforms(new Subscription(null, null, null, null, null, "ven-1", null,
                List.of(new ObjectOperation(List.of("EVENT"), List.of("CREATE"), "https://x/cb", "t")), null), "subscriptionRequest");
        Instant t = Instant.parse("2026-11-22T16:00:00Z");
        ResolvedInterval i = new ResolvedInterval(0, t, t.plusSeconds(900), List.of());
        var due = new ReportPlanner.Due("k", "e1", 0, 0, t.plusSeconds(900), List.of(i),
                List.of(ReportDescriptor.of("USAGE", null, null), ReportDescriptor.of("DEMAND", null, null)), false);
        ReportBuilder b = new ReportBuilder(OpenAdrVersion.V3_1_0, "ven-1", "site");
        Report r = b.build(due, "p1", 400_000, SiteTelemetry.constant(300_000)).report();
        conforms(r, "reportRequest");
        JsonNode n = Json.MAPPER.readTree(Json.write(r));
        assertThat(n.get("payloadDescriptors").get(0).get("objectType").asText()).isEqualTo("REPORT_PAYLOAD_DESCRIPTOR");
        assertThat(n.get("resources").get(0).get("intervals").get(0).get("payloads").get(0).get("values").get(0).asDouble()).isEqualTo(75.0);
        Report opt = b.optReport(new OptDecision("e1", "v", OptDecision.Kind.OPT_IN, "ok", List.of(), t), "p1", List.of(i), 500_000);
        conforms(opt, "reportRequest");
    }
}
