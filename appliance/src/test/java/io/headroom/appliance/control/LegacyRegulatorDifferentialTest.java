package io.headroom.appliance.control;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The split regulator decides exactly (every bit of every double) as the one it replaced, tick by tick. */
class LegacyRegulatorDifferentialTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 1000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void decidesAsTheLegacyRegulator(long seed) {
        List<String> legacy = RegulatorScenarios.trace(seed, (site, group, safeCapW) ->
                new LegacyGroupRegulator(site, group, safeCapW)::run, true);
        List<String> split = RegulatorScenarios.trace(seed, (site, group, safeCapW) ->
                new GroupRegulator(site, group, safeCapW)::run, true);
        for (int t = 0; t < legacy.size(); t++) {
            assertThat(split.get(t)).as("seed %d tick %d", seed, t + 1).isEqualTo(legacy.get(t));
        }
    }
}
