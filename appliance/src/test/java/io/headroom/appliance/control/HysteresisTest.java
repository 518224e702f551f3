package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tick by tick (100 ms): targets in, caps out, with the test halls' settings: 5 W deadband, 2 s hold after a fall,
 * 25 W rise per tick.
 */
class HysteresisTest {

    final Site site = TestHalls.hall(2, 150, 0, 0, 2);
    final Hysteresis h = new Hysteresis(site.nodes(), TestHalls.CONTROL, new double[]{700, 700});
    final double[] floors = {200, 200};

    double[] tick(long tick, double a, double b) {
        return h.run(new double[]{a, b}, floors, null, null, tick * Ticks.TICK_NANOS);
    }

    @Test
    void aCapFallsAtOnceThenRisesOnlyAfterTheHoldAndByBoundedSteps() {
        assertThat(tick(1, 500, 700)).as("tick 1: falls at once").containsExactly(500, 700);
        assertThat(tick(2, 650, 700)).as("tick 2: held").containsExactly(500, 700);
        assertThat(tick(20, 650, 700)).as("tick 20: 1.9 s after the fall, held").containsExactly(500, 700);
        assertThat(tick(21, 650, 700)).as("tick 21: 2 s after, one step").containsExactly(525, 700);
        assertThat(tick(22, 650, 700)).as("tick 22").containsExactly(550, 700);
        assertThat(tick(23, 560, 700)).as("tick 23: the last step only up to the target").containsExactly(560, 700);
    }

    @Test
    void aChangeWithinTheDeadbandIsNotMade() {
        assertThat(tick(1, 696, 704)).containsExactly(700, 700);
        assertThat(tick(2, 694.9, 700)).as("over 5 W down").containsExactly(694.9, 700);
    }

    @Test
    void aCapNeverGoesBelowItsFloor() {
        assertThat(h.run(new double[]{150, 700}, floors, null, null, Ticks.TICK_NANOS)).containsExactly(200, 700);
        double[] raised = {450, 200};
        assertThat(h.run(new double[]{400, 700}, raised, null, null, 2 * Ticks.TICK_NANOS))
                .as("a floor raised above the cap: the cap follows it at once").containsExactly(450, 700);
    }

    @Test
    void aSilentNodeKeepsTheCapItHad() {
        tick(1, 500, 500);
        double[] silent = {Double.NaN, 650};
        assertThat(h.run(new double[]{300, 650}, floors, null, silent, 100 * Ticks.TICK_NANOS)).containsExactly(300, 500);
        assertThat(h.caps()).containsExactly(300, 500);
    }

    @Test
    void aCeilingIsNotSoftenedByTheDeadband() {
        double[] ceilings = {697, Double.POSITIVE_INFINITY};
        assertThat(h.run(new double[]{697, 700}, floors, ceilings, null, Ticks.TICK_NANOS))
                .as("3 W under the cap, within the deadband, yet a ceiling: the cap falls to it")
                .containsExactly(697, 700);
        assertThat(h.run(new double[]{697, 700}, floors, new double[]{800, 800}, null, 2 * Ticks.TICK_NANOS))
                .as("the ceiling lifted: the fall holds the cap for 2 s").containsExactly(697, 700);
    }

    @Test
    void aSilentNodeIsStillHeldUnderItsCeiling() {
        double[] silent = {650, Double.NaN};
        assertThat(h.run(new double[]{650, 700}, floors, new double[]{400, 900}, silent, Ticks.TICK_NANOS))
                .containsExactly(400, 700);
    }
}
