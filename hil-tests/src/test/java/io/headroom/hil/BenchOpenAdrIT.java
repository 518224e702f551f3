package io.headroom.hil;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.Tier;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.OptDecision;
import io.headroom.grid.openadr3.OpenAdrVersion;
import io.headroom.grid.openadr3.Ven3Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The grid loop end to end on the bench: the bench VTN (OpenADR 3.1, OAuth2) publishes an import-limit event;
 * the VEN registers, judges it feasible and opts in; the control core delivers it through GPU caps; the VEN
 * reports to the VTN.
 */
class BenchOpenAdrIT {

    /** Every value of payload type {@code type} in the reports the bench VTN received. */
    static java.util.List<Double> values(LocalVtn vtn, String type) {
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (var report : vtn.vtn().reports()) {
            for (var resource : report.path("resources")) {
                for (var interval : resource.path("intervals")) {
                    for (var payload : interval.path("payloads")) {
                        if (type.equals(payload.path("type").asText())) {
                            payload.path("values").forEach(v -> out.add(v.asDouble()));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void anImportLimitEventIsAcceptedDeliveredAndReported(@TempDir Path data) throws Exception {
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        Path scenario = Path.of(getClass().getResource("/scenarios/short-peak.json").toURI());
        try (LocalVtn vtn = LocalVtn.start(scenario)) {
            Ven3Config ven = Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create(vtn.baseUrl()), "bench-ven",
                    LocalVtn.VEN_CLIENT, LocalVtn.VEN_SECRET, data.resolve("ven.db"))
                    .allowInsecureHttp(true) // the bench's own VTN on loopback
                    .pollInterval(Duration.ofSeconds(1)).build();
            try (Bench bench = Bench.start(site, new Bench.Options("127.0.0.1", 0, true, 42, data,
                    new Appliance.Options("127.0.0.1", 0, data, null, ven)))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !bench.appliance().ven().decisions().isEmpty());
                OptDecision d = bench.appliance().ven().decisions().getFirst();
                assertThat(d.eventId()).isEqualTo("short-peak");
                assertThat(d.kind()).isIn(OptDecision.Kind.OPT_IN, OptDecision.Kind.OPT_PARTIAL);
                // The operator sees the enrollment and the decision in the API.
                var grid = new io.vertx.core.json.JsonObject(java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bench.appliance().httpPort()
                                + "/api/v1/grid")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                assertThat(grid.getBoolean("enrolled")).isTrue();
                assertThat(grid.getString("version")).startsWith("3.1");
                assertThat(grid.getJsonObject("status").getString("venId")).isNotBlank();
                assertThat(grid.getJsonArray("decisions").getJsonObject(0).getString("event")).isEqualTo("short-peak");

                // During the event the grid commitment binds and the hall's import settles under 330 kW.
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    GroupDecision g = bench.appliance().state().decisions().getFirst();
                    return g.bindingLimit() != null && g.bindingLimit().tier() == Tier.GRID;
                });
                bench.plant().markPeaks();
                double t = bench.plant().nowS();
                await().atMost(Duration.ofSeconds(20)).until(() -> bench.plant().nowS() > t + 3);
                double importW = 0;
                for (Feed f : site.feeds()) {
                    importW += bench.plant().feedPowerW(f.id());
                }
                assertThat(importW).as("site import during the event, W").isLessThanOrEqualTo(330_000 * 1.02);

                // The VEN reports what it delivered: the usage and the demand per interval the event asked for,
                // measured by the control core on the bench, the demand under the 330 kW the hall promised.
                await().atMost(Duration.ofSeconds(60)).until(() -> !values(vtn, "USAGE").isEmpty()
                        && !values(vtn, "DEMAND").isEmpty());
                assertThat(values(vtn, "USAGE")).as("energy imported per interval, kWh").allSatisfy(v ->
                        assertThat(v).isPositive());
                assertThat(values(vtn, "DEMAND")).as("demand per interval, kW").allSatisfy(v ->
                        assertThat(v).isPositive().isLessThanOrEqualTo(330 * 1.05));
                assertThat(vtn.vtn().reports()).allSatisfy(r -> assertThat(r.path("eventID").asText()).isEqualTo("short-peak"));
            }
        }
    }
}
