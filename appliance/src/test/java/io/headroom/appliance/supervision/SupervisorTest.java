package io.headroom.appliance.supervision;

import io.headroom.appliance.operator.ActiveAlarms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Heartbeats in, verdicts out, on a clock the test moves: every state, every boundary. */
class SupervisorTest {

    static final long MS = 1_000_000L;
    static final long DEADLINE = 500 * MS;
    static final long MEMORY = Supervisor.FAILURE_MEMORY.toNanos();

    /** How long ago the last beat was, relative to the deadline. */
    enum Beat {
        NOW(0), JUST_BEFORE(DEADLINE - 1), AT_DEADLINE(DEADLINE), JUST_AFTER(DEADLINE + 1), LONG_AGO(3_600_000 * MS);
        final long agoNanos;

        Beat(long ago) {
            this.agoNanos = ago;
        }
    }

    /** How long ago an event last failed, relative to the failure memory. */
    enum Failure {
        NONE(-1), NOW(0), AT_MEMORY(MEMORY), JUST_PAST_MEMORY(MEMORY + 1);
        final long agoNanos;

        Failure(long ago) {
            this.agoNanos = ago;
        }
    }

    static Stream<Arguments> everyCombination() {
        List<Arguments> out = new ArrayList<>();
        for (Beat b : Beat.values()) {
            for (Failure f : Failure.values()) {
                for (boolean stopped : new boolean[]{false, true}) {
                    out.add(Arguments.of(b, f, stopped));
                }
            }
        }
        return out.stream();
    }

    /** The rules, written out once more: stopped wins, then silence past the deadline, then a recent failure. */
    static Supervisor.State expected(Beat b, Failure f, boolean stopped) {
        if (stopped) {
            return Supervisor.State.STOPPED;
        }
        if (b.agoNanos > DEADLINE) {
            return Supervisor.State.STALLED;
        }
        if (f != Failure.NONE && f.agoNanos <= MEMORY) {
            return Supervisor.State.FAILING;
        }
        return Supervisor.State.RUNNING;
    }

    @ParameterizedTest(name = "beat {0}, failure {1}, stopped {2}")
    @MethodSource("everyCombination")
    void eachCombinationOfBeatFailureAndStopGivesItsVerdict(Beat b, Failure f, boolean stopped) {
        AtomicLong clock = new AtomicLong(10_000_000 * MS);
        Supervisor s = new Supervisor(clock::get);
        Heartbeat h = s.watch("protection", Duration.ofNanos(DEADLINE), "feed losses are not answered");
        long checkAt = clock.get() + 7_200_000 * MS;
        // the failure and the beat happen at their times before the check, in time order
        List<long[]> steps = new ArrayList<>(); // {time, 0 = beat / 1 = failure}
        steps.add(new long[]{checkAt - b.agoNanos, 0});
        if (f != Failure.NONE) {
            steps.add(new long[]{checkAt - f.agoNanos, 1});
        }
        steps.sort((x, y) -> Long.compare(x[0], y[0]));
        for (long[] st : steps) {
            clock.set(st[0]);
            if (st[1] == 0) {
                h.beat();
            } else {
                h.failed(new IllegalStateException("boom"));
            }
        }
        if (stopped) {
            h.stopped(new OutOfMemoryError("heap"));
        }
        clock.set(checkAt);
        Supervisor.Report r = s.check();
        Supervisor.Verdict v = r.of("protection");
        Supervisor.State want = expected(b, f, stopped);
        assertThat(v.state()).isEqualTo(want);
        assertThat(v.silentNanos()).isEqualTo(b.agoNanos);
        assertThat(v.failures()).isEqualTo(f == Failure.NONE ? 0 : 1);
        assertThat(r.healthy()).isEqualTo(want == Supervisor.State.RUNNING || want == Supervisor.State.FAILING);
        assertThat(r.reasons()).hasSize(r.healthy() ? 0 : 1);
        assertThat(r.alarms()).hasSize(want == Supervisor.State.RUNNING ? 0 : 1);
        switch (want) {
            case RUNNING -> assertThat(v.alarm()).isNull();
            case FAILING -> assertThat(v.alarm()).startsWith("loop protection: 1 event(s) failed")
                    .contains("IllegalStateException: boom");
            case STALLED -> assertThat(v.alarm()).startsWith("loop protection: stalled, no heartbeat for")
                    .contains("deadline 500 ms").contains("feed losses are not answered").endsWith("watchdog kicks stopped");
            case STOPPED -> assertThat(v.alarm()).startsWith("loop protection: stopped (OutOfMemoryError: heap)")
                    .contains("feed losses are not answered");
        }
    }

    @Test
    void aLoopIsWatchedFromItsRegistrationAndEveryLoopCountsForHealth() {
        AtomicLong clock = new AtomicLong();
        Supervisor s = new Supervisor(clock::get);
        Heartbeat p = s.watch("protection", Duration.ofMillis(500), "fast path");
        Heartbeat r = s.watch("regulation", Duration.ofSeconds(1), "caps");
        assertThat(s.check().healthy()).as("registration is the first beat").isTrue();
        clock.set(501 * MS);
        Supervisor.Report at501 = s.check();
        assertThat(at501.of("protection").state()).as("never beat after registration").isEqualTo(Supervisor.State.STALLED);
        assertThat(at501.of("regulation").state()).isEqualTo(Supervisor.State.RUNNING);
        assertThat(at501.healthy()).isFalse();
        assertThat(at501.reasons()).singleElement().asString().startsWith("loop protection: stalled");
        p.beat();
        assertThat(s.check().healthy()).as("a stalled loop that beats again is healthy again").isTrue();
        clock.set(1_002 * MS);
        assertThat(s.check().reasons()).hasSize(2);
        r.beat();
        p.beat();
        assertThat(s.check().loops()).extracting(Supervisor.Verdict::loop).containsExactly("protection", "regulation");
        assertThat(s.check().healthy()).isTrue();
    }

    @Test
    void aRetiredLoopIsNoLongerCheckedAndItsNameMayBeWatchedAgain() {
        AtomicLong clock = new AtomicLong();
        Supervisor s = new Supervisor(clock::get);
        Heartbeat j = s.watch("journal-writer", Duration.ofSeconds(5), "history");
        assertThatThrownBy(() -> s.watch("journal-writer", Duration.ofSeconds(5), "history"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("journal-writer");
        j.retire();
        clock.set(3_600_000 * MS);
        assertThat(s.check().loops()).isEmpty();
        assertThat(s.check().healthy()).isTrue();
        Heartbeat again = s.watch("journal-writer", Duration.ofSeconds(5), "history");
        assertThat(s.heartbeat("journal-writer")).isSameAs(again);
    }

    @Test
    void anAlarmKeepsItsIdWhileItsNumbersMove() {
        AtomicLong clock = new AtomicLong();
        Supervisor s = new Supervisor(clock::get);
        s.watch("regulation", Duration.ofSeconds(1), "caps are not renewed");
        clock.set(1_500 * MS);
        String a = s.check().reasons().getFirst();
        clock.set(9_700 * MS);
        String b = s.check().reasons().getFirst();
        assertThat(a).isNotEqualTo(b);
        assertThat(ActiveAlarms.idOf(a)).isEqualTo(ActiveAlarms.idOf(b));
        assertThat(ActiveAlarms.subjectOf(a)).isEqualTo("regulation");
    }

    @Test
    void aFailDrillThrowsAnErrorAtTheNextBeatOnceAndRecordsNoBeat() {
        AtomicLong clock = new AtomicLong();
        Supervisor s = new Supervisor(clock::get);
        Heartbeat h = s.watch("regulation", Duration.ofSeconds(1), "caps");
        h.drill(new Drill.Fail("test"));
        clock.set(700 * MS);
        assertThatThrownBy(h::beat).isInstanceOf(Drill.DrillFault.class).isInstanceOf(Error.class)
                .hasMessageContaining("loop regulation fails (test)");
        clock.set(1_001 * MS);
        assertThat(s.check().of("regulation").state()).as("the drilled beat did not count").isEqualTo(Supervisor.State.STALLED);
        h.beat();
        assertThat(s.check().of("regulation").state()).as("played once").isEqualTo(Supervisor.State.RUNNING);
    }

    @Test
    void aHangDrillBlocksTheLoopThreadUntilReleasedThenItBeatsAgain() throws Exception {
        Supervisor s = new Supervisor(System::nanoTime);
        Heartbeat h = s.watch("journal-writer", Duration.ofSeconds(60), "history");
        Drill.Hang hang = new Drill.Hang(Duration.ofMinutes(5));
        h.drill(hang);
        AtomicReference<Thread.State> seen = new AtomicReference<>();
        AtomicLong beats = new AtomicLong();
        Thread loop = Thread.ofPlatform().start(() -> {
            h.beat();
            beats.incrementAndGet();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            seen.set(loop.getState());
            return seen.get() == Thread.State.TIMED_WAITING;
        });
        assertThat(beats.get()).as("hung in its beat").isZero();
        hang.release();
        loop.join(10_000);
        assertThat(beats.get()).isEqualTo(1);
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    void anUnwatchedHeartbeatRecordsAndIsNeverDue() {
        Heartbeat h = Heartbeat.unwatched("waveform-A");
        h.beat();
        h.failed(new RuntimeException("x"));
        assertThat(h.failures()).isEqualTo(1);
        assertThat(Supervisor.verdict(h, System.nanoTime() + 30_000 * MS).state()).as("never stalled")
                .isEqualTo(Supervisor.State.FAILING);
    }

    @Test
    void aLoopOfAnotherModuleIsReadNotBeaten() {
        long[] now = {1_000 * MS};
        long[] lastPass = {now[0]};
        boolean[] running = {true};
        long[] failures = {0};
        Supervisor sup = new Supervisor(() -> now[0]);
        sup.watch("ack-intake", Duration.ofNanos(DEADLINE), "answers are not collected",
                new Heartbeat.Pulled(() -> lastPass[0], () -> running[0], () -> failures[0]));
        assertThat(sup.check().of("ack-intake").state()).isEqualTo(Supervisor.State.RUNNING);
        now[0] += DEADLINE + 1; // its passes stopped moving
        assertThat(sup.check().of("ack-intake").state()).isEqualTo(Supervisor.State.STALLED);
        lastPass[0] = now[0];
        failures[0] = 3; // three passes failed, it goes on
        Supervisor.Verdict v = sup.check().of("ack-intake");
        assertThat(v.state()).isEqualTo(Supervisor.State.FAILING);
        assertThat(v.failures()).isEqualTo(3);
        running[0] = false; // its thread ended
        assertThat(sup.check().of("ack-intake").state()).isEqualTo(Supervisor.State.STOPPED);
    }
}
