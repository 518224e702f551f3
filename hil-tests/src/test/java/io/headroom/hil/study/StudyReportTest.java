package io.headroom.hil.study;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The study's HTML report: one self-contained file with the baselines, intervals, seeds, probes and command. */
class StudyReportTest {

    @Test
    void theReportHoldsEveryPartInOneFile(@TempDir Path dir) throws Exception {
        StudyParams p = StudyHalls.quick();
        List<CapacityStudy.Result> rs = StudySeries.run(ControlBaselinesTest.small2n(), p, 1, 2, 2, 1, (s, e, r) -> {
        });
        List<ControlBaselines.Result> xs = ControlBaselines.run(ControlBaselinesTest.small2n(), p, rs, 2, 2000, (s, e) -> {
        });
        Path file = StudyReport.write(dir.resolve("out"), "./headroom study --seeds 2 <x>", rs, xs);
        assertThat(file).isEqualTo(dir.resolve("out").resolve("study-report.html"));
        String html = Files.readString(file);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("<code>./headroom study --seeds 2 &lt;x&gt;</code>", "seeds 1 to 2 (2 seeds)",
                        "<code>nameplate</code>", "<code>fixed_cap</code>", "<code>measured_peak</code>",
                        "<code>slow_capping</code>", "<code>no_supercaps</code>", "<code>best_baseline</code>",
                        "slow_capping at Headroom's densities", "Every count evaluated", "Monotonicity", "<svg");
        // Self-contained: nothing fetched.
        assertThat(html).doesNotContain("<script", "src=\"http", "href=\"http", "@import");
        // The nameplate ratio's interval as the figures give it.
        StudySeries.Interval q = StudySeries.over(rs, r -> r.unlockVs(r.staticNodes()));
        assertThat(html).contains(String.format(java.util.Locale.ROOT, "<td>%.3f ×</td><td>%.3f – %.3f</td>", q.mean(),
                q.low(), q.high()));
        for (CapacityStudy.Result r : rs) {
            assertThat(html).contains("<tr><td>" + r.seed() + "</td>");
        }
    }
}
