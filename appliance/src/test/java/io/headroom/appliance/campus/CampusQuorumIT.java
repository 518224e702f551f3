package io.headroom.appliance.campus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.Campus;
import io.headroom.grid.CommitmentBook;
import io.headroom.testsupport.EtcdCluster;

/**
 * The campus on a 3-member etcd cluster: one member killed changes nothing an appliance sees (its client moves to
 * another member, the budgets keep being rewritten); a second one killed loses quorum, and every appliance falls
 * back to its static share, with an alarm, until the members are back.
 */
class CampusQuorumIT {

    @TempDir
    Path dir;
    EtcdCluster etcd;
    final List<CampusNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(CampusNode::close);
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void oneMemberLostIsNothingQuorumLostIsTheStaticShares() throws Exception {
        TestCampus.assumeEtcd();
        etcd = EtcdCluster.start(dir, 3);
        Campus c = TestCampus.on(TestCampus.example(), etcd.endpoints(), "/q");
        List<CommitmentBook> books = new ArrayList<>();
        for (Campus.Member m : c.appliances()) {
            CommitmentBook book = new CommitmentBook();
            books.add(book);
            nodes.add(CampusNode.start(c, m.id(), true, book,
                    () -> new CampusSplit.Report(113_600, 20_000, 50_000, true, 500), Clocks.system().monotonic(),
                    Clock.systemUTC(), null, null));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().filter(CampusNode::isCoordinator).count() == 1
                && nodes.stream().noneMatch(n -> n.member().status().fallback()));

        // the first endpoint every client talks to, killed: they move on, and budgets keep coming
        etcd.kill(0);
        long rev = nodes.getFirst().member().status().budgetRevision();
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .allMatch(n -> n.member().status().budgetRevision() > rev + 4 * 3));
        assertThat(nodes).allSatisfy(n -> {
            assertThat(n.member().status().fallbackS()).as(n.member().id()).isZero();
            assertThat(n.alarms()).isEmpty();
        });

        // a second one: no quorum, nothing can be read or written; every appliance at its static share
        etcd.kill(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int i = 0; i < nodes.size(); i++) {
                assertThat(nodes.get(i).member().status().fallback()).isTrue();
                assertThat(books.get(i).importLimitAt(Clock.systemUTC().instant())).hasValue(90_000);
                assertThat(nodes.get(i).alarms()).singleElement().asString().contains("no valid budget lease");
            }
        });

        // back: quorum again, a coordinator, budgets
        etcd.restart(0);
        etcd.restart(1);
        await().atMost(Duration.ofSeconds(40)).until(() -> nodes.stream().filter(CampusNode::isCoordinator).count() == 1
                && nodes.stream().noneMatch(n -> n.member().status().fallback()));
        assertThat(nodes).allSatisfy(n -> assertThat(n.alarms()).isEmpty());
    }
}
