package io.headroom.appliance.journal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link DecisionFilter} tick by tick (100 ms ticks on a made-up clock). */
class DecisionFilterTest {

    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    private static final String BREAKER = "SAFETY/FeedCeiling/breaker";

    private final DecisionFilter filter = new DecisionFilter(Duration.ofSeconds(10), 0.05);

    private static Instant tick(int n) {
        return T0.plusMillis(100L * n);
    }

    private static DecisionFilter.Decision breaker(String feed, double budgetW) {
        return new DecisionFilter.Decision("hall-1", BREAKER, BREAKER + "/" + feed, budgetW, true);
    }

    @Test
    void theFirstDecisionOfAGroupIsARow() {
        Optional<DecisionFilter.Row> r = filter.offer(breaker("A", 400_000), tick(0));
        assertThat(r).isPresent();
        assertThat(r.get().reason()).isEqualTo("first");
        assertThat(r.get().folded()).isZero();
        assertThat(r.get().suffix()).isEmpty();
    }

    @Test
    void equivalentFeedsTakingTurnsAreFoldedAndCountedIntoTheNextRow() {
        assertThat(filter.offer(breaker("A", 400_000), tick(0))).isPresent();
        String[] feeds = {"B", "C", "D", "A"};
        for (int i = 1; i <= 40; i++) {
            assertThat(filter.offer(breaker(feeds[i % 4], 400_000), tick(i))).as("tick %d", i).isEmpty();
        }
        // the same feed twice in a row is not another decision
        assertThat(filter.offer(breaker(feeds[40 % 4], 400_000), tick(41))).isEmpty();
        assertThat(filter.folded("hall-1")).isEqualTo(40);
        // long after the interval, still equivalent: nothing to journal, the count goes on
        assertThat(filter.offer(breaker("C", 400_000), tick(500))).isEmpty();
        assertThat(filter.folded("hall-1")).isEqualTo(41);
        // a change of kind is a row, carrying the count
        DecisionFilter.Row r = filter.offer(new DecisionFilter.Decision("hall-1", "GRID/SiteCeiling/contract",
                "GRID/SiteCeiling/contract/", 300_000, true), tick(501)).orElseThrow();
        assertThat(r.reason()).isEqualTo("binding");
        assertThat(r.folded()).isEqualTo(41);
        assertThat(r.foldedSince()).isEqualTo(tick(1));
        assertThat(r.suffix()).isEqualTo(" (41 equivalent decisions folded since 2026-12-07T12:00:00.100Z)");
        assertThat(filter.folded("hall-1")).isZero();
    }

    @Test
    void aBudgetThatMovesBeyondTheThresholdIsARowWithinItIsNot() {
        filter.offer(breaker("A", 400_000), tick(0));
        assertThat(filter.offer(breaker("A", 419_000), tick(200))).as("4.75 %").isEmpty();
        assertThat(filter.offer(breaker("A", 421_000), tick(201))).as("5.25 %").get()
                .extracting(DecisionFilter.Row::reason).isEqualTo("budget");
        // measured against the last row's budget, not the previous tick's: a slow drift is a row once it adds up
        for (int i = 1; i <= 21; i++) {
            assertThat(filter.offer(breaker("A", 421_000 - i * 1_000), tick(301 + i))).as("step %d", i).isEmpty();
        }
        assertThat(filter.offer(breaker("A", 421_000 - 22_000), tick(323))).isPresent();
    }

    @Test
    void aPlanTurningInfeasibleIsARow() {
        filter.offer(breaker("A", 400_000), tick(0));
        assertThat(filter.offer(new DecisionFilter.Decision("hall-1", BREAKER, BREAKER + "/A", 400_000, false),
                tick(150))).get().extracting(DecisionFilter.Row::reason).isEqualTo("feasibility");
    }

    @Test
    void substantiveChangesWithinTheIntervalWaitAndTheStateAfterItIsJournaled() {
        filter.offer(breaker("A", 400_000), tick(0));
        DecisionFilter.Decision grid = new DecisionFilter.Decision("hall-1", "GRID/SiteCeiling/contract",
                "GRID/SiteCeiling/contract/", 300_000, true);
        // flapping between the breaker and the contract every tick for 10 s: nothing until the interval is over
        for (int i = 1; i < 100; i++) {
            assertThat(filter.offer(i % 2 == 1 ? grid : breaker("A", 400_000), tick(i))).as("tick %d", i).isEmpty();
        }
        // at 10 s, back at the breaker as last journaled: still nothing of substance
        assertThat(filter.offer(breaker("A", 400_000), tick(100))).isEmpty();
        // at 10.1 s, the contract binds: a row, with the flaps folded
        DecisionFilter.Row r = filter.offer(grid, tick(101)).orElseThrow();
        assertThat(r.reason()).isEqualTo("binding");
        assertThat(r.folded()).isEqualTo(100);
        // and back to the breaker one tick later waits for the next interval
        assertThat(filter.offer(breaker("A", 400_000), tick(102))).isEmpty();
        assertThat(filter.offer(breaker("A", 400_000), tick(200))).isEmpty();
        assertThat(filter.offer(breaker("A", 400_000), tick(201))).get()
                .extracting(DecisionFilter.Row::folded).isEqualTo(1L);
    }

    @Test
    void foldedDecisionsAreSummedUpAfterTheLongestSilence() {
        DecisionFilter f = new DecisionFilter(Duration.ofSeconds(10), 0.05, Duration.ofMinutes(10));
        f.offer(breaker("A", 400_000), tick(0));
        // nothing folded: no summary however long
        assertThat(f.offer(breaker("A", 400_000), tick(7_000))).isEmpty();
        DecisionFilter g = new DecisionFilter(Duration.ofSeconds(10), 0.05, Duration.ofMinutes(10));
        g.offer(breaker("A", 400_000), tick(0));
        assertThat(g.offer(breaker("B", 400_000), tick(10))).isEmpty();
        assertThat(g.offer(breaker("B", 400_000), tick(5_999))).isEmpty();
        // 10 minutes after the last row, with decisions folded: a summary row, and the count starts over
        DecisionFilter.Row r = g.offer(breaker("C", 400_000), tick(6_000)).orElseThrow();
        assertThat(r.reason()).isEqualTo("summary");
        assertThat(r.folded()).isEqualTo(2);
        assertThat(r.foldedSince()).isEqualTo(tick(10));
        assertThat(g.offer(breaker("D", 400_000), tick(6_001))).isEmpty();
        assertThat(g.offer(breaker("D", 400_000), tick(11_999))).isEmpty();
        assertThat(g.offer(breaker("D", 400_000), tick(12_000))).get().extracting(DecisionFilter.Row::folded).isEqualTo(1L);
    }

    @Test
    void groupsAreFilteredApart() {
        filter.offer(breaker("A", 400_000), tick(0));
        DecisionFilter.Decision other = new DecisionFilter.Decision("hall-2", BREAKER, BREAKER + "/E", 200_000, true);
        assertThat(filter.offer(other, tick(1))).isPresent();
        assertThat(filter.offer(breaker("B", 400_000), tick(2))).isEmpty();
        assertThat(filter.folded("hall-1")).isEqualTo(1);
        assertThat(filter.folded("hall-2")).isZero();
    }

    @Test
    void aBudgetThatCannotBeEvaluatedIsARowOnceAndSoIsItsReturn() {
        filter.offer(breaker("A", 400_000), tick(0));
        assertThat(filter.offer(breaker("A", Double.NaN), tick(100))).isPresent();
        assertThat(filter.offer(breaker("A", Double.NaN), tick(300))).isEmpty();
        assertThat(filter.offer(breaker("A", 400_000), tick(400))).isPresent();
    }
}
