package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Problems;

/** Section readers on their own: a fragment of a site file, no other section, the problems they report. */
class SectionReadersTest {

    private final Problems problems = new Problems("t.yaml");
    private final SiteReading ctx = new SiteReading(problems, Path.of("/tmp"));

    /** The fragment's top-level map, every key allowed. */
    private MapReader top(String yaml) {
        Node root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        return MapReader.open(problems, root, "", "a site file", null);
    }

    private List<String> errors() {
        return problems.sorted().stream().map(e -> e.toString().substring("t.yaml:".length())).toList();
    }

    @Test
    void gpuModelsAloneReadTheirRangesAndReportABadOne() {
        GpuModelsSection gpus = new GpuModelsSection(ctx);
        gpus.read(top("""
                gpuModels:
                  H100: {min: 200 W, max: 700 W}
                  B200: {min: 300 W, max: 250 W}
                """));
        assertThat(gpus.gpuSectionRead).isTrue();
        assertThat(gpus.gpuNames).containsExactly("H100", "B200");
        assertThat(gpus.gpuModels).containsOnlyKeys("H100");
        assertThat(gpus.gpuModels.get("H100")).isEqualTo(new GpuModel("H100", 200, 700, 700));
        assertThat(errors()).containsExactly("3:27: gpuModels.B200.max: max 250 W is below min 300 W");
    }

    @Test
    void controlAloneFillsTheDefaultsAndChecksTheMargin() {
        ControlSettings defaults = new ControlSection(ctx).read(top("site: {name: x}\n"));
        assertThat(defaults.tickMs()).isEqualTo(SiteLoader.DEFAULT_TICK_MS);
        assertThat(defaults.marginFraction()).isEqualTo(SiteLoader.DEFAULT_MARGIN);
        assertThat(errors()).isEmpty();

        ControlSettings set = new ControlSection(ctx).read(top("""
                control:
                  tick: 50 ms
                  margin: 60 %
                """));
        assertThat(set.tickMs()).isEqualTo(50);
        assertThat(errors()).containsExactly("3:11: control.margin: must be at least 0 % and below 50 %, got \"60 %\"");
    }

    @Test
    void groupsCheckTheirFeedsAgainstTheFeedsSectionOnly() {
        MapReader top = top("""
                feeds:
                  - {id: A, rating: 100 A, voltage: 230 V, phases: 3, powerFactor: 0.95, meter: mA}
                  - {id: B, rating: 100 A, voltage: 230 V, phases: 3, powerFactor: 0.95, meter: mB}
                groups:
                  - {id: g1, feeds: [A, C]}
                """);
        FeedsSection feeds = new FeedsSection(ctx);
        feeds.read(top);
        GroupsSection groups = new GroupsSection(ctx, feeds);
        groups.read(top);
        assertThat(feeds.feedIds).containsExactly("A", "B");
        assertThat(groups.groupOfFeed).containsOnlyKeys("A");
        assertThat(errors()).containsExactly("5:25: groups[0].feeds[1]: unknown feed 'C'; known: A, B");
    }
}
