package io.headroom.appliance.dsp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FeedLossEventRingTest {

    private static FeedLossEvent event(long seq) {
        return new FeedLossEvent(0, "A", FeedLossEvent.Kind.FEED_LOST, seq, seq + 1, 0, 7, seq);
    }

    @Test
    void aConsumerThreadReceivesEveryEventInOrder() throws Exception {
        FeedLossEventRing ring = new FeedLossEventRing(64);
        int n = 100_000;
        List<Long> got = new ArrayList<>(n);
        Thread consumer = Thread.ofPlatform().start(() -> {
            while (got.size() < n) {
                FeedLossEvent e = ring.take(5, TimeUnit.SECONDS);
                if (e == null) {
                    return;
                }
                got.add(e.sequence());
            }
        });
        long sent = 0;
        while (sent < n) { // the producer never waits: on a full ring it drops; here it retries what dropped
            long before = ring.overflows();
            ring.onFeedLossEvent(event(sent + 1));
            if (ring.overflows() == before) {
                sent++;
            } else {
                Thread.onSpinWait();
            }
        }
        consumer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(got).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(got.get(i)).isEqualTo(i + 1L);
        }
    }

    @Test
    void aFullRingDropsAndCountsWithoutBlocking() {
        FeedLossEventRing ring = new FeedLossEventRing(4);
        for (int i = 1; i <= 6; i++) {
            ring.onFeedLossEvent(event(i));
        }
        assertThat(ring.overflows()).isEqualTo(2);
        assertThat(ring.poll().sequence()).isEqualTo(1);
        assertThat(ring.published()).isEqualTo(4);
        assertThat(ring.take(1, TimeUnit.MILLISECONDS).sequence()).isEqualTo(2);
        ring.poll();
        ring.poll();
        assertThat(ring.poll()).isNull();
    }
}
