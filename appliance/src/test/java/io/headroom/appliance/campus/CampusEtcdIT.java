package io.headroom.appliance.campus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.Campus;
import io.headroom.grid.CommitmentBook;
import io.headroom.testsupport.EtcdCluster;
import io.headroom.testsupport.TcpProxy;

/**
 * The campus against a real etcd (one member: elections, fencing, budgets applied, fallback when an appliance is cut
 * off). The 3-member cases (a member killed, quorum lost) are {@code CampusQuorumIT}.
 */
class CampusEtcdIT {

    @TempDir
    Path dir;
    EtcdCluster etcd;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        TestCampus.assumeEtcd();
        etcd = EtcdCluster.start(dir, 1);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    record Appliance(CampusNode node, CommitmentBook book) {
        double limitNow() {
            return book.importLimitAt(Clock.systemUTC().instant()).orElse(Double.NaN);
        }
    }

    private Appliance join(Campus campus, String id, double demandW) {
        CommitmentBook book = new CommitmentBook();
        CampusNode n = CampusNode.start(campus, id, true, book,
                () -> new CampusSplit.Report(demandW, demandW / 4, demandW / 2, true, 1000),
                Clocks.system().monotonic(), Clock.systemUTC(), null, null);
        closing.add(n);
        return new Appliance(n, book);
    }

    private EtcdClient client(Campus c) {
        EtcdClient e = EtcdClient.of(c.etcd(), Duration.ofSeconds(2));
        closing.add(e);
        return e;
    }

    @Test
    void oneCoordinatorIsElectedAndEveryApplianceAppliesItsBudgetAsAnImportLimit() throws Exception {
        Campus c = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/t1");
        // 340 kW wanted on a 300 kW connection: a and b want 113.6 kW, c only 40 kW
        Appliance a = join(c, "lineup-a", 113_600);
        Appliance b = join(c, "lineup-b", 113_600);
        Appliance cc = join(c, "lineup-c", 40_000);
        List<Appliance> all = List.of(a, b, cc);
        // before any budget: each at its static share
        assertThat(all).allSatisfy(x -> assertThat(x.limitNow()).isLessThanOrEqualTo(90_000));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(all.stream().filter(x -> x.node().isCoordinator())).hasSize(1);
            for (Appliance x : all) {
                assertThat(x.node().member().status().fallback()).as(x.node().member().id()).isFalse();
            }
            // the ramp (50 kW/s) lets the sum rise to the demand: c keeps 40 kW plus its spare, a and b the rest
            assertThat(a.limitNow()).isGreaterThan(100_000);
            assertThat(b.limitNow()).isGreaterThan(100_000);
        });
        double sum = all.stream().mapToDouble(Appliance::limitNow).sum();
        assertThat(sum).isLessThanOrEqualTo(300_000 + 1e-6);
        EtcdClient e = client(c);
        assertThat(e.prefix(CampusKeys.of(c).reports())).hasSize(3);
        assertThat(e.prefix(CampusKeys.of(c).budgets())).hasSize(3);
        String coordinator = all.stream().filter(x -> x.node().isCoordinator()).findFirst().orElseThrow()
                .node().member().id();
        assertThat(e.leader(CampusKeys.of(c).election()).value()).isEqualTo(coordinator);
    }

    @Test
    void aDeposedCoordinatorsWritesAreRefused() throws Exception {
        Campus c = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/t2");
        EtcdClient x = client(c);
        EtcdClient y = client(c);
        String election = CampusKeys.of(c).election();
        long lx = x.grant(2);
        EtcdClient.Leader lead = x.campaign(election, lx, "x", Duration.ofSeconds(5));
        assertThat(x.putIfLeader(lead.key(), lead.revision(), Map.of("/t2/k", "from x"), 0)).isPositive();
        // x is cut off long enough for its lease to lapse (revoked here: the same thing, at once); y is elected
        x.revoke(lx);
        long ly = y.grant(30); // y stays alive throughout (nothing renews it here)
        EtcdClient.Leader next = y.campaign(election, ly, "y", Duration.ofSeconds(5));
        assertThat(next.revision()).isGreaterThan(lead.revision());
        assertThat(y.putIfLeader(next.key(), next.revision(), Map.of("/t2/k", "from y"), 0)).isPositive();
        // x comes back believing it still leads: its fenced write changes nothing
        assertThat(x.putIfLeader(lead.key(), lead.revision(), Map.of("/t2/k", "stale x"), 0)).isEqualTo(-1);
        assertThat(x.get("/t2/k").value()).isEqualTo("from y");
        // nor can it by campaigning again under a new lease while y holds the election: its key is newer than y's
        long lx2 = x.grant(2);
        AtomicReference<EtcdClient.Leader> late = new AtomicReference<>();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                late.set(x.campaign(election, lx2, "x", Duration.ofSeconds(3)));
            } catch (Exception e) {
                failed.set(e);
            }
        });
        t.join(Duration.ofSeconds(5));
        assertThat(late.get()).isNull();
        if (!t.isAlive()) { // it gave up: only because its wait ran out (y still leads), not for any other error
            assertThat(failed.get()).isInstanceOf(EtcdClient.Unavailable.class)
                    .hasRootCauseInstanceOf(java.net.http.HttpTimeoutException.class);
        }
        assertThat(y.leader(election).value()).isEqualTo("y");
    }

    @Test
    void aCrashedCoordinatorIsReplacedAndBudgetsAreWrittenAgain() throws Exception {
        Campus c = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/t3");
        List<Appliance> all = List.of(join(c, "lineup-a", 100_000), join(c, "lineup-b", 100_000),
                join(c, "lineup-c", 100_000));
        await().atMost(Duration.ofSeconds(20)).until(() -> all.stream().filter(x -> x.node().isCoordinator()).count() == 1
                && all.stream().noneMatch(x -> x.node().member().status().fallback()));
        Appliance old = all.stream().filter(x -> x.node().isCoordinator()).findFirst().orElseThrow();
        old.node().crash();
        List<Appliance> rest = all.stream().filter(x -> x != old).toList();
        EtcdClient e = client(c);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(rest.stream().filter(x -> x.node().isCoordinator())).hasSize(1);
            EtcdClient.Leader l = e.leader(CampusKeys.of(c).election());
            assertThat(l.value()).isNotEqualTo(old.node().member().id());
            // the new coordinator writes: the survivors see budgets of its term
            for (Appliance x : rest) {
                assertThat(x.node().member().status().coordinator()).isEqualTo(l.value());
                assertThat(x.node().member().status().fallback()).isFalse();
            }
        });
        // the crashed one is silent: it is given its static share
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            EtcdClient.KeyValue kv = e.get(CampusKeys.of(c).budget(old.node().member().id()));
            return kv != null && Wire.budget(kv.value()).w() == 90_000;
        });
    }

    @Test
    void anAppliancePartitionedFromEtcdFallsBackToItsStaticShareWithAnAlarmAndComesBack() throws Exception {
        Campus base = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/t4");
        TcpProxy link = new TcpProxy(new InetSocketAddress("127.0.0.1", etcd.clientPort(0)));
        closing.add(link);
        Campus viaLink = TestCampus.on(TestCampus.example(), List.of(link.endpoint()), "/t4");
        Appliance a = join(base, "lineup-a", 113_600);
        Appliance b = join(base, "lineup-b", 113_600);
        CommitmentBook book = new CommitmentBook();
        CampusNode cNode = CampusNode.start(viaLink, "lineup-c", false, book,
                () -> new CampusSplit.Report(113_600, 20_000, 50_000, true, 0), Clocks.system().monotonic(),
                Clock.systemUTC(), null, null);
        closing.add(cNode);
        Appliance c = new Appliance(cNode, book);
        await().atMost(Duration.ofSeconds(20)).until(() -> !c.node().member().status().fallback()
                && c.limitNow() > 90_000);
        assertThat(c.node().alarms()).isEmpty();
        link.cut();
        // c keeps its budget until its lease lapses, then holds its static share, never above, with an alarm
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(c.node().member().status().fallback()).isTrue();
            assertThat(c.limitNow()).isEqualTo(90_000);
            assertThat(c.node().alarms()).singleElement().asString().contains("held at the static share 90.0 kW");
        });
        // meanwhile the coordinator set c's static share aside: a and b together within 300 - 90 kW
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(a.limitNow() + b.limitNow()).isLessThanOrEqualTo(210_000 + 1e-6));
        link.heal();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(c.node().member().status().fallback()).isFalse();
            assertThat(c.node().alarms()).isEmpty();
        });
    }

    @Test
    void theBudgetInTheBookLapsesOnItsOwnWhenNothingRenewsIt() throws Exception {
        Campus c = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/t5");
        Appliance a = join(c, "lineup-a", 113_600);
        join(c, "lineup-b", 20_000);
        join(c, "lineup-c", 20_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.limitNow() > 90_000);
        // the campus threads stop dead (a hung process): regulation's next reads find the static share at expiry
        a.node().crash();
        java.time.Instant later = Clock.systemUTC().instant().plusMillis(TestCampus.BUDGET_TTL_MS + 100);
        assertThat(a.book().importLimitAt(later)).hasValue(90_000);
    }

    static URI uri(String endpoint) {
        return URI.create("http://" + endpoint);
    }
}
