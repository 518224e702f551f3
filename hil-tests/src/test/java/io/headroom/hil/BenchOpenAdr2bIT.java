package io.headroom.hil;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.Tier;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.OptDecision;
import io.headroom.grid.openadr2b.Ven2bConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The grid loop end to end with OpenADR 2.0b: the bench VTN (HTTPS, client certificates, TLS 1.2 with the
 * profile's ECDHE-ECDSA suite) distributes a 330 kW dispatch; the VEN registers, opts in, the control core
 * delivers it, the VEN reports telemetry.
 */
class BenchOpenAdr2bIT {

    @Test
    void aDispatchIsAcceptedDeliveredAndReportedOverMutualTls(@TempDir Path data) throws Exception {
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        Path scenario = Path.of(getClass().getResource("/scenarios/short-peak-2b.json").toURI());
        try (LocalVtn2b vtn = LocalVtn2b.start(scenario, data.resolve("pki"), Duration.ofSeconds(1), Duration.ofMinutes(1))) {
            Ven2bConfig ven = Ven2bConfig.builder(URI.create(vtn.baseUrl()), "bench-ven-2b", data.resolve("ven2b.db"))
                    .tls(vtn.ven().cert(), vtn.ven().key(), vtn.ven().ca()).build();
            try (Bench bench = Bench.start(site, new Bench.Options("127.0.0.1", 0, true, 42, data,
                    new Appliance.Options("127.0.0.1", 0, data, null, null).withVen2b(ven)))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> !bench.appliance().ven().decisions().isEmpty());
                OptDecision d = bench.appliance().ven().decisions().getFirst();
                assertThat(d.eventId()).isEqualTo("short-peak-2b");
                assertThat(d.kind()).isIn(OptDecision.Kind.OPT_IN, OptDecision.Kind.OPT_PARTIAL);
                await().atMost(Duration.ofSeconds(30)).until(() -> !vtn.vtn().createdEvents().isEmpty());
                assertThat(vtn.vtn().createdEvents().getFirst().optType()).isEqualTo("optIn");

                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    GroupDecision g = bench.appliance().state().decisions().getFirst();
                    return g.bindingLimit() != null && g.bindingLimit().tier() == Tier.GRID;
                });
                double t = bench.plant().nowS();
                await().atMost(Duration.ofSeconds(20)).until(() -> bench.plant().nowS() > t + 3);
                double importW = 0;
                for (Feed f : site.feeds()) {
                    importW += bench.plant().feedPowerW(f.id());
                }
                assertThat(importW).as("site import during the dispatch, W").isLessThanOrEqualTo(330_000 * 1.02);
                // The VTN asks for usage telemetry every minute (OpenADR reports are at least a minute apart).
                await().atMost(Duration.ofSeconds(150)).until(() -> !vtn.vtn().reports().isEmpty());
                assertThat(vtn.vtn().errors()).isEmpty();
            }
        }
    }
}
