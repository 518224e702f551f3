package io.headroom.appliance.control;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-node maps a tick publishes read as the hash maps they replace, and cannot be changed. */
class NodeValuesTest {

    /** Five nodes n0..n4. */
    final Site site = TestHalls.hall(2, 150, 2, 2, 1);
    final NodeValues.Index index = new NodeValues.Index(site.nodes());

    @Test
    void telemetryReadsAsAHashMapOfTheSameEntries() {
        NodeValues.Builder<NodeTelemetry> b = new NodeValues.Builder<>(index);
        Map<String, NodeTelemetry> expected = new HashMap<>();
        for (int i : new int[]{3, 0, 4}) {
            NodeTelemetry t = new NodeTelemetry(site.nodes().get(i).id(), 1000 + i, 500, true);
            b.put(i, t);
            expected.put(t.nodeId(), t);
        }
        b.put(2, new NodeTelemetry("n2", 1, 1, true)).put(2, null); // put, then removed
        NodeValues<NodeTelemetry> m = b.build();
        assertThat(m).isEqualTo(expected).hasSize(3);
        assertThat(expected).isEqualTo(m);
        assertThat(m.hashCode()).isEqualTo(expected.hashCode());
        assertThat(m.get("n3")).isSameAs(expected.get("n3"));
        assertThat(m.get("n2")).isNull();
        assertThat(m.containsKey("n2")).isFalse();
        assertThat(m.get("not-a-node")).isNull();
        assertThat(m.get(null)).isNull();
        assertThat(m.keySet()).as("site order").containsExactly("n0", "n3", "n4");
        assertThat(Map.copyOf(m)).isEqualTo(expected);
    }

    @Test
    void capsReadAsAHashMapOfBoxedWatts() {
        NodeValues.Doubles.Builder b = new NodeValues.Doubles.Builder(index);
        Map<String, Double> expected = new HashMap<>();
        for (String id : List.of("n4", "n1", "n0")) {
            b.put(id, 300.5);
            expected.put(id, 300.5);
        }
        b.put("n1", 250);
        expected.put("n1", 250.0);
        NodeValues.Doubles m = b.build();
        assertThat(m).isEqualTo(expected).hasSize(3);
        assertThat(expected).isEqualTo(m);
        assertThat(m.hashCode()).isEqualTo(expected.hashCode());
        assertThat(m.get("n1")).isEqualTo(250.0);
        assertThat(m.get("n2")).isNull();
        assertThat(m.containsKey("n2")).isFalse();
        assertThat(m.keySet()).containsExactly("n0", "n1", "n4");
        assertThatThrownBy(() -> new NodeValues.Doubles.Builder(index).put("elsewhere", 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void neitherCanBeChanged() {
        NodeValues<NodeTelemetry> m = new NodeValues.Builder<NodeTelemetry>(index)
                .put(0, new NodeTelemetry("n0", 1, 1, true)).build();
        NodeValues.Doubles caps = new NodeValues.Doubles.Builder(index).put("n0", 1).build();
        assertThatThrownBy(() -> m.put("n1", null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.remove("n0")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(m::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.entrySet().iterator().next().setValue(null))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> caps.put("n1", 2.0)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> caps.values().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(m).hasSize(1);
        assertThat(caps).hasSize(1);
    }

    @Test
    void aSnapshotKeepsTheTelemetryMapItIsGivenRatherThanCopyingIt() {
        NodeValues<NodeTelemetry> m = new NodeValues.Builder<NodeTelemetry>(index)
                .put(1, new NodeTelemetry("n1", 1, 1, true)).build();
        Snapshot s = new Snapshot(1, 0, Instant.EPOCH, Map.of(), m);
        assertThat(s.nodes()).isSameAs(m);
        Map<String, NodeTelemetry> plain = new HashMap<>(m);
        assertThat(new Snapshot(1, 0, Instant.EPOCH, Map.of(), plain).nodes()).isNotSameAs(plain).isEqualTo(plain);
    }
}
