package io.headroom.hil;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bench starts every time: no port it binds at a fixed number lies in the kernel's ephemeral range on an address
 * other sockets share (where a socket taking a free port, such as an agent's trigger socket, could hold it first:
 * "r8-n4 cannot start server endpoint [/127.0.0.1:57060]: Address already in use"), and it starts with the site's
 * own ports while the old colliding ones are held.
 */
class BenchPortsIT {

    static final Path EXAMPLE = Path.of("../sites/example-4feed.yaml");

    @Test
    void noFixedPortOfTheBenchIsInTheEphemeralRangeOnASharedAddress() throws Exception {
        Site site = SiteLoader.load(EXAMPLE);
        int[] range = Bench.ephemeralPortRange();
        Bench.Options asLaunched = new Bench.Options("127.0.0.1", 8080, false, 42, Path.of("run/bench"), null);
        List<Bench.FixedEndpoint> fixed = Bench.fixedEndpoints(site, asLaunched);
        assertThat(fixed).as("agents, meters, banks, the multicast group and the API")
                .hasSize(site.nodes().size() + site.meters().size() + site.supercaps().size() + 2);
        assertThat(Bench.atRisk(fixed, range)).as("fixed ports inside %d-%d on a shared address", range[0], range[1]).isEmpty();
        assertThat(Bench.fixedEndpoints(site, asLaunched.withNetworkRelay())).as("behind the relay: no multicast")
                .hasSize(site.nodes().size() + site.meters().size() + site.supercaps().size() + 1);
        assertThat(Bench.atRisk(Bench.fixedEndpoints(site, asLaunched.withNetworkRelay()), range)).isEmpty();
        // the old layout is what the check finds
        List<Bench.FixedEndpoint> old = List.of(new Bench.FixedEndpoint("agent of r8-n4", "127.0.0.1", 57060, true),
                new Bench.FixedEndpoint("agent of x", "127.0.5.5", 57060, true));
        assertThat(Bench.atRisk(old, new int[]{32768, 60999})).extracting(Bench.FixedEndpoint::what)
                .containsExactly("agent of r8-n4");
    }

    @Test
    void theBenchStartsOnTheSitesOwnPortsWhileTheOldCollidingPortsAreHeld(@TempDir Path data) throws Exception {
        Site site = SiteLoader.load(EXAMPLE);
        Bench.Options options = new Bench.Options("127.0.0.1", 0, false, 42, data, null);
        // the site's fixed ports below the ephemeral range must be free here (another bench on this machine would hold
        // them); one inside the range that something holds is the failure this test is about, so it is not excused
        int[] range = Bench.ephemeralPortRange();
        for (Bench.FixedEndpoint e : Bench.fixedEndpoints(site, options)) {
            if (!e.host().equals("0.0.0.0") && (e.port() < range[0] || e.port() > range[1])) {
                assumeTrue(free(e), e + " is taken on this machine (a bench running?): not this test's to judge");
            }
        }
        // what an earlier agent's trigger socket held in the failing start, and one port of every old agent
        List<AutoCloseable> held = new ArrayList<>();
        for (int port : new int[]{57001, 57032, 57060, 57064}) {
            try {
                held.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", port)));
            } catch (IOException taken) {
                // held by someone else already: it serves the same purpose
            }
        }
        try (Bench bench = Bench.start(site, options)) {
            assertThat(bench.agents()).hasSize(site.nodes().size());
            // every agent answers the appliance on the site's own address
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var s = bench.appliance().state();
                return s != null && s.nodes().size() == site.nodes().size()
                        && s.nodes().values().stream().allMatch(n -> n.fresh());
            });
            for (int i = 0; i < site.nodes().size(); i++) {
                assertThat(bench.agents().get(i).port()).isEqualTo(site.nodes().get(i).agent().port());
            }
        } finally {
            for (AutoCloseable c : held) {
                c.close();
            }
        }
    }

    static boolean free(Bench.FixedEndpoint e) {
        try {
            if (e.udp()) {
                new DatagramSocket(new InetSocketAddress(InetAddress.getByName(e.host()), e.port())).close();
            } else {
                new ServerSocket(e.port(), 1, InetAddress.getByName(e.host())).close();
            }
            return true;
        } catch (IOException x) {
            return false;
        }
    }
}
