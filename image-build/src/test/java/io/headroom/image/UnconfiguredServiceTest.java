package io.headroom.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.api.UnconfiguredServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

/**
 * The service's view of an unconfigured appliance: its health probe recognises "unconfigured" (ready and kicked: a
 * restart would not configure it), with the reason for systemd's STATUS=.
 */
class UnconfiguredServiceTest {

    @Test
    void theHealthProbeSeesAnUnconfiguredApplianceAndWhy(@TempDir Path dir) {
        Path site = dir.resolve("site.yaml");
        try (UnconfiguredServer s = UnconfiguredServer.start("127.0.0.1", 0, null, site, "/x/example.yaml")) {
            ApplianceService.Health h = ApplianceService.health(URI.create("http://127.0.0.1:" + s.port()
                    + "/api/v1/health"));
            assertThat(h.unconfigured()).isTrue();
            assertThat(h.tick()).isEqualTo(-1);
            assertThat(h.why()).startsWith("not configured: no site file at " + site).contains("/x/example.yaml");
        }
    }
}
