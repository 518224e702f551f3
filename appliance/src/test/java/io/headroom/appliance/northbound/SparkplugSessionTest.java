package io.headroom.appliance.northbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/** The session without a broker: a slow broker's messages dropped and counted, seq without gaps, 255 wrapping to 0. */
class SparkplugSessionTest {

    record Sent(String topic, byte[] payload, CompletableFuture<Object> written) {
    }

    @Test
    void aBrokerThatDoesNotTakeMessagesGetsDataDroppedAndCountedNeverASeqGap() throws Exception {
        Site site = SparkplugStates.exampleSite();
        AtomicReference<SiteState> state = new AtomicReference<>(SparkplugStates.state(site, 1, 100, true));
        List<Sent> sent = new ArrayList<>();
        SparkplugSession.Stats stats = new SparkplugSession.Stats();
        SparkplugSession s = new SparkplugSession(new SparkplugModel(site), state::get, Clock.systemUTC(),
                (t, b, qos) -> {
                    CompletableFuture<Object> f = new CompletableFuture<>();
                    sent.add(new Sent(t, b, f));
                    return f;
                }, "g", "n", 7, stats);
        s.birth(); // births always go out: NBIRTH + one per device
        int births = 1 + new SparkplugModel(site).devices().size();
        assertThat(sent).hasSize(births);
        // nothing is written: data goes out until MAX_PENDING messages wait, then is dropped and counted
        for (int tick = 2; tick < 10; tick++) {
            state.set(SparkplugStates.state(site, tick, 100 + tick, true));
            s.data();
        }
        assertThat(s.pending()).isEqualTo(SparkplugSession.MAX_PENDING);
        assertThat(sent).hasSize(SparkplugSession.MAX_PENDING);
        assertThat(stats.dropped.get()).isPositive();
        long droppedWhileStuck = stats.dropped.get();
        int before = sent.size();
        state.set(SparkplugStates.state(site, 20, 120, true));
        // the broker takes everything: the values withheld go out in the next DDATA, seq right after the births
        sent.forEach(x -> x.written().complete(null));
        assertThat(s.pending()).isZero();
        s.data();
        List<Sent> data = sent.subList(before, sent.size());
        assertThat(data).isNotEmpty();
        for (int i = 0; i < sent.size(); i++) { // no number taken by a dropped message
            assertThat(SparkplugWire.decode(sent.get(i).payload()).seq()).isEqualTo((long) i);
        }
        SparkplugWire.Payload feedA = data.stream().filter(x -> x.topic().equals("spBv1.0/g/DDATA/n/feed-A"))
                .map(x -> SparkplugWire.decode(x.payload())).findFirst().orElseThrow();
        assertThat(feedA.metric("Current").value()).isEqualTo(120.0);
        assertThat(stats.dropped.get()).isEqualTo(droppedWhileStuck);
        assertThat(stats.published.get()).isEqualTo(before);
    }

    @Test
    void seqWrapsFrom255To0() throws Exception {
        Site site = SparkplugStates.exampleSite();
        AtomicReference<SiteState> state = new AtomicReference<>(SparkplugStates.state(site, 1, 100, true));
        List<Long> seqs = new ArrayList<>();
        SparkplugSession s = new SparkplugSession(new SparkplugModel(site), state::get, Clock.systemUTC(),
                (t, b, qos) -> {
                    seqs.add(SparkplugWire.decode(b).seq());
                    return CompletableFuture.completedFuture(null);
                }, "g", "n", 0, new SparkplugSession.Stats());
        s.birth();
        for (int tick = 2; seqs.size() < 300; tick++) {
            state.set(SparkplugStates.state(site, tick, 100 + tick, true));
            s.data();
        }
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(i % 256L);
        }
    }

    @Test
    void theWillCarriesTheBdSeqAndNoSeq() {
        SparkplugWire.Payload p = SparkplugWire.decode(SparkplugSession.ndeath(42, Clock.systemUTC()));
        assertThat(p.seq()).isNull();
        assertThat(p.metric("bdSeq").datatype()).isEqualTo(SparkplugWire.UINT64);
        assertThat(p.metric("bdSeq").value()).isEqualTo(42L);
    }
}
