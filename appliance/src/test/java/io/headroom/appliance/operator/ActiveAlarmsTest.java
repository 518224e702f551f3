package io.headroom.appliance.operator;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ActiveAlarms}' raise/clear hysteresis, update by update (100 ms ticks on a made-up clock). */
class ActiveAlarmsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    private static final String D = "group hall-1: breaker D: 140.0 A below the floors, every GPU at its floor";
    private static final String C = "group hall-1: breaker C: 139.0 A below the floors, every GPU at its floor";

    private static Instant tick(int n) {
        return T0.plusMillis(100L * n);
    }

    private static ActiveAlarms withHysteresis() {
        ActiveAlarms a = new ActiveAlarms();
        a.hysteresis(ActiveAlarms.REGULATION, Duration.ofSeconds(1), Duration.ofSeconds(3));
        return a;
    }

    @Test
    void withoutHysteresisAlarmsRaiseAndClearAtOnce() {
        ActiveAlarms a = new ActiveAlarms();
        assertThat(a.update(List.of(D), tick(0)).raised()).extracting(ActiveAlarms.Alarm::message).containsExactly(D);
        assertThat(a.update(List.of(), tick(1)).cleared()).extracting(ActiveAlarms.Alarm::message).containsExactly(D);
    }

    @Test
    void aStartUpTransientAcrossFeedsRaisesNothing() {
        ActiveAlarms a = withHysteresis();
        String[] transient_ = {D, D, C, C, "group hall-1: breaker B: 1 A below the floors, every GPU at its floor",
                "group hall-1: breaker A: 1 A below the floors, every GPU at its floor"};
        for (int i = 0; i < transient_.length; i++) {
            assertThat(a.update(List.of(transient_[i]), tick(i)).isEmpty()).as("tick %d", i).isTrue();
        }
        for (int i = transient_.length; i < 100; i++) {
            assertThat(a.update(List.of(), tick(i)).isEmpty()).as("tick %d", i).isTrue();
        }
        assertThat(a.list()).isEmpty();
    }

    @Test
    void aConditionThatHoldsRaisesAfterTheDelayAndItsNumbersMayMove() {
        ActiveAlarms a = withHysteresis();
        for (int i = 0; i < 10; i++) {
            assertThat(a.update(List.of(i % 2 == 0 ? D : D.replace("140.0", "141.5")), tick(i)).raised())
                    .as("tick %d", i).isEmpty();
        }
        ActiveAlarms.Changes c = a.update(List.of(D), tick(10));
        assertThat(c.raised()).extracting(ActiveAlarms.Alarm::message).containsExactly(D);
        assertThat(c.raised().getFirst().raisedAt()).as("when the condition was first seen").isEqualTo(tick(0));
        assertThat(a.list()).hasSize(1);
    }

    @Test
    void aConditionThatGoesAndComesBackWithinTheRaiseDelayStartsOver() {
        ActiveAlarms a = withHysteresis();
        for (int i = 0; i < 9; i++) {
            a.update(List.of(D), tick(i));
        }
        a.update(List.of(), tick(9));
        for (int i = 10; i < 20; i++) {
            assertThat(a.update(List.of(D), tick(i)).raised()).as("tick %d", i).isEmpty();
        }
        assertThat(a.update(List.of(D), tick(20)).raised()).hasSize(1);
    }

    @Test
    void aRaisedAlarmClearsOnlyOnceItsConditionHasBeenGoneForTheClearDelay() {
        ActiveAlarms a = withHysteresis();
        for (int i = 0; i <= 10; i++) {
            a.update(List.of(D), tick(i));
        }
        String id = ActiveAlarms.idOf(D);
        assertThat(a.get(id)).isPresent();
        a.acknowledge(id, new ActiveAlarms.Ack("op", tick(11), "seen"));
        // gone for 2.9 s, back for a tick: still the same alarm, still acknowledged
        for (int i = 11; i < 40; i++) {
            assertThat(a.update(List.of(), tick(i)).cleared()).as("tick %d", i).isEmpty();
        }
        assertThat(a.update(List.of(D), tick(40)).isEmpty()).isTrue();
        assertThat(a.get(id).orElseThrow().acknowledged()).isNotNull();
        // gone for 3 s: cleared
        for (int i = 41; i < 71; i++) {
            assertThat(a.update(List.of(), tick(i)).cleared()).as("tick %d", i).isEmpty();
        }
        assertThat(a.update(List.of(), tick(71)).cleared()).extracting(ActiveAlarms.Alarm::id).containsExactly(id);
        assertThat(a.list()).isEmpty();
    }

    @Test
    void hysteresisIsPerSource() {
        ActiveAlarms a = withHysteresis();
        assertThat(a.update("supervision", List.of("loop regulation: stalled"), tick(0)).raised()).hasSize(1);
        assertThat(a.update(List.of(D), tick(0)).raised()).isEmpty();
        assertThat(a.update("supervision", List.of(), tick(1)).cleared()).hasSize(1);
    }

    /** Ids are remembered per text (a tick of 1,000 alarms no longer hashes each): past the cache's size they still hold. */
    @Test
    void manyAlarmsKeepTheirIdsThroughTheIdCache() {
        ActiveAlarms a = new ActiveAlarms();
        List<String> many = new java.util.ArrayList<>();
        for (int k = 0; k < ActiveAlarms.IDS_CACHED + 500; k++) {
            many.add("node n" + k + ": agent not answering; planned at 400 W per GPU (its last cap) in every contingency");
        }
        assertThat(a.update(many, tick(0)).raised()).hasSize(many.size());
        assertThat(a.list()).allSatisfy(x -> assertThat(x.id()).isEqualTo(ActiveAlarms.idOf(x.message())));
        assertThat(a.update(many, tick(1)).isEmpty()).as("the same alarms: nothing raised or cleared").isTrue();
        List<String> moved = many.stream().map(m -> m.replace("400 W", "410 W")).toList();
        assertThat(a.update(moved, tick(2)).isEmpty()).as("only a number moved: the same alarms").isTrue();
        assertThat(a.list()).hasSize(many.size()).extracting(ActiveAlarms.Alarm::message).containsExactlyElementsOf(moved);
    }
}
