package io.headroom.hil.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * Pauses read from real unified logs of every collector (excerpts of {@code -Xlog:gc*,safepoint} with the
 * benchmark's decorations, written by JDK 25 on this project's machine).
 */
class JvmPausesTest {

    private static JvmPauses.Log log(String collector) throws IOException, URISyntaxException {
        return JvmPauses.read(Path.of(JvmPausesTest.class.getResource("gc-" + collector + ".log").toURI()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            // collector; GC pauses (ms); safepoints (ms); what the first GC pause is called
            "serial;     70.154 52.730; 133.613019 52.775442; Pause Young (Allocation Failure)",
            "parallel;   23.537 58.554; 24.441497 58.650091;  Pause Young (Allocation Failure)",
            "g1;         8.555;         ;                     Pause Young (Normal) (G1 Evacuation Pause)",
            "z;          0.025 0.017 0.016; 0.178125 0.123114; Pause Mark Start (Major)",
            "shenandoah; 0.021;         0.156265;             Pause Init Mark (unload classes)"})
    void everyCollectorsPausesAndSafepointsAreRead(String collector, String gcMs, String safepointMs, String firstName)
            throws Exception {
        JvmPauses.Log log = log(collector);
        assertThat(log.pauses().stream().filter(JvmPauses.Pause::gc).map(JvmPauses.Pause::ms).toList())
                .containsExactlyElementsOf(ms(gcMs));
        assertThat(log.pauses().stream().filter(p -> !p.gc()).map(JvmPauses.Pause::ms).toList())
                .usingElementComparator((a, b) -> Math.abs(a - b) < 1e-9 ? 0 : Double.compare(a, b))
                .containsExactlyElementsOf(ms(safepointMs));
        assertThat(log.pauses().stream().filter(JvmPauses.Pause::gc).findFirst().orElseThrow().what()).isEqualTo(firstName);
    }

    private static List<Double> ms(String s) {
        return s == null ? List.of() : ProductionFlags.words(s).stream().map(Double::parseDouble).toList();
    }

    @Test
    void theLongestIsTheSafepointWhereThereIsOneAndItsTimesAreTheLogsClock() throws Exception {
        JvmPauses.Log serial = log("serial");
        JvmPauses.Pause longest = serial.longest();
        assertThat(longest.what()).isEqualTo("SerialCollectForAllocation");
        assertThat(longest.ms()).isCloseTo(133.613019, within(1e-9));
        assertThat(longest.gc()).isFalse();
        assertThat(longest.endNanos()).isEqualTo(1292327316546L);
        assertThat(longest.startNanos()).isEqualTo(1292327316546L - 133_613_019L);
        assertThat(serial.heapAfterMib()).containsExactly(4, 12);
        assertThat(log("g1").longest().ms()).as("no safepoint line: the GC's own").isEqualTo(8.555);
    }

    @Test
    void aWindowKeepsThePausesThatOverlapIt() throws Exception {
        JvmPauses.Log serial = log("serial");
        // the second young GC ended at 1293096243923 after 52.730 ms; its safepoint at 1293096268008
        JvmPauses.Log second = serial.between(1293096243923L - 1_000_000, 1293096243923L - 1_000_000);
        assertThat(second.pauses()).extracting(JvmPauses.Pause::ms).containsExactly(52.730, 52.775442);
        assertThat(serial.between(1292327316546L + 1, 1293096243923L - 60_000_000L).pauses()).isEmpty();
        JvmPauses.Stats gc = serial.gcPauses();
        assertThat(gc.count()).isEqualTo(2);
        assertThat(gc.max()).isEqualTo(70.154);
        assertThat(serial.safepoints().max()).isCloseTo(133.613019, within(1e-9));
    }

    @Test
    void linesCutOffOrOfOtherTagsAreSkipped() {
        JvmPauses.Log log = JvmPauses.parse(List.of(
                "[1292263870610ns][info][gc          ] GC(0) Pause Young (Allocation Failure) 18M->4M(61M) 70.1",
                "[1292263870610ns][info][gc,start    ] GC(0) Pause Young (Allocation Failure)",
                "[1292263870610ns][info][gc,stats    ] Pause Init Mark (G)                 410 us",
                "[12922638706",
                "Safepoint \"X\", Total: 5 ns",
                "[1292263870610ns][info][gc          ] GC(0) Pause Young (Allocation Failure) 1G->512K(2G) 1.5ms",
                // ZGC's, as a 2-core machine under load logged it
                "[3309583903049ns][info][gc          ] Allocation Stall (agent-client-coap-1) 13.013ms",
                "[3291513957309ns][info][gc,alloc    ] GC(0) Y: Allocation Stalls:          0                0"));
        assertThat(log.pauses()).extracting(JvmPauses.Pause::ms).containsExactly(1.5, 13.013);
        assertThat(log.pauses().get(1).what()).isEqualTo("Allocation Stall (agent-client-coap-1)");
        assertThat(log.heapAfterMib()).containsExactly(0.5);
    }
}
