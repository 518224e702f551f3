package io.headroom.appliance.site;

import io.headroom.testsupport.Sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped example, {@code sites/example-4feed.yaml}, loads with the documented contents. */
class SiteLoaderExampleTest {

    private static Site site;

    /** The repository's {@code sites/} folder, found from the module's working directory upwards. */
    static Path sitesDir() {
        return Sites.dir();
    }

    @BeforeAll
    static void load() throws Exception {
        site = SiteLoader.load(sitesDir().resolve("example-4feed.yaml"));
    }

    @Test
    void siteHeader() {
        assertThat(site.name()).isEqualTo("example-4feed");
        assertThat(site.frequencyHz()).isEqualTo(60.0);
    }

    @Test
    void fourFeedsOf105kW() {
        assertThat(site.feeds()).extracting(Feed::id).containsExactly("A", "B", "C", "D");
        for (Feed f : site.feeds()) {
            assertThat(f.ratingA()).isEqualTo(150.0);
            assertThat(f.derating()).isEqualTo(1.0);
            assertThat(f.voltageV()).isEqualTo(415.0);
            assertThat(f.phases()).isEqualTo(3);
            assertThat(f.powerFactor()).isEqualTo(0.98);
            assertThat(f.tripCurve()).isEqualTo(TripCurve.thermalMagneticDefault());
            assertThat(f.meterId()).isEqualTo("meter-" + f.id());
            assertThat(f.limitW()).isCloseTo(105_664, within(1.0));
        }
    }

    @Test
    void oneGroupOfAllFeeds() {
        assertThat(site.groups()).containsExactly(new RedundancyGroup("hall-1", List.of("A", "B", "C", "D")));
    }

    @Test
    void racksNodesAndGpus() {
        assertThat(site.racks()).hasSize(8);
        assertThat(site.racks()).extracting(Rack::id).containsExactly("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8");
        assertThat(site.racks()).allSatisfy(r -> assertThat(r.groupId()).isEqualTo("hall-1"));
        assertThat(site.nodes()).hasSize(64);
        assertThat(site.gpuCount()).isEqualTo(512);
        GpuModel h100 = new GpuModel("h100-sxm", 200, 700, 700);
        assertThat(site.nodes()).allSatisfy(n -> {
            assertThat(n.gpus()).isEqualTo(8);
            assertThat(n.gpu()).isEqualTo(h100);
            assertThat(n.baseW()).isEqualTo(1500.0);
            assertThat(n.groupId()).isEqualTo("hall-1");
        });
        double peak = site.nodes().stream().mapToDouble(Node::peakW).sum();
        assertThat(peak).isEqualTo(454_400.0);
        assertThat(peak).isGreaterThan(site.feeds().stream().mapToDouble(Feed::limitW).sum());
    }

    @Test
    void nodeIdsPrioritiesAndAgentsInOrder() {
        for (int r = 1; r <= 8; r++) {
            Priority expected = r <= 2 ? Priority.CRITICAL : r <= 5 ? Priority.STANDARD : Priority.FLEXIBLE;
            for (int n = 1; n <= 8; n++) {
                int i = (r - 1) * 8 + (n - 1);
                Node node = site.nodes().get(i);
                assertThat(node.id()).isEqualTo("r" + r + "-n" + n);
                assertThat(node.rackId()).isEqualTo("R" + r);
                assertThat(node.priority()).isEqualTo(expected);
                assertThat(node.floorW()).isEqualTo(expected == Priority.CRITICAL ? 600.0 : 200.0);
                assertThat(node.agent()).isEqualTo(new Endpoint("127.0.0.1", 17001 + i));
            }
        }
    }

    @Test
    void metersAndSupercaps() {
        assertThat(site.meters()).containsExactly(
                new Meter("meter-A", "generic-3phase", new Endpoint("127.0.0.1", 15021), 1, 100, 500),
                new Meter("meter-B", "generic-3phase", new Endpoint("127.0.0.1", 15022), 1, 100, 500),
                new Meter("meter-C", "generic-3phase", new Endpoint("127.0.0.1", 15023), 1, 100, 500),
                new Meter("meter-D", "generic-3phase", new Endpoint("127.0.0.1", 15024), 1, 100, 500));
        assertThat(site.supercaps()).containsExactly(
                new SupercapBank("bank-A", "A", 2000, 50_000, new Endpoint("127.0.0.1", 15031), 1),
                new SupercapBank("bank-B", "B", 2000, 50_000, new Endpoint("127.0.0.1", 15032), 1),
                new SupercapBank("bank-C", "C", 2000, 50_000, new Endpoint("127.0.0.1", 15033), 1),
                new SupercapBank("bank-D", "D", 2000, 50_000, new Endpoint("127.0.0.1", 15034), 1));
    }

    @Test
    void agentsControlAndOpenAdr() {
        assertThat(site.agents()).isEqualTo(AgentSettings.plain(2000, 0)
                .withMulticast(new Endpoint("239.255.72.1", 5686), "127.0.0.1"));
        assertThat(site.control().tickMs()).isEqualTo(100);
        assertThat(site.control().marginFraction()).isCloseTo(0.03, within(1e-12));
        assertThat(site.control().deadbandW()).isEqualTo(5.0);
        assertThat(site.control().raiseHoldMs()).isEqualTo(2000);
        assertThat(site.control().raiseStepW()).isEqualTo(25.0);
        assertThat(site.openadr().enabled()).isFalse();
        assertThat(site.openadr().version()).isEqualTo("3.1");
    }
}
