package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.quantity;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.NodeTuple;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code gpuModels:} the GPU models by name, each with its power range. */
final class GpuModelsSection extends SectionReader {
    static final List<String> GPU_KEYS = List.of("min", "max", "default");

    final Map<String, GpuModel> gpuModels = new LinkedHashMap<>();
    final Set<String> gpuNames = new LinkedHashSet<>();
    boolean gpuSectionRead;

    GpuModelsSection(SiteReading ctx) {
        super(ctx);
    }

    void read(MapReader top) {
        MapReader gm = top.map("gpuModels", true, "GPU models by name", null);
        if (gm == null) {
            return;
        }
        gpuSectionRead = true;
        if (gm.entries().isEmpty()) {
            p.at(gm.node(), gm.path(), "needs at least one GPU model");
        }
        for (Map.Entry<String, NodeTuple> e : gm.entries().entrySet()) {
            String name = e.getKey();
            gpuNames.add(name);
            MapReader m = MapReader.open(p, e.getValue().getValueNode(), gm.field(name), "a GPU model", GPU_KEYS);
            if (m == null) {
                continue;
            }
            Val<Double> min = m.get("min", quantity(Kind.POWER), true);
            Val<Double> max = m.get("max", quantity(Kind.POWER), true);
            Val<Double> def = m.get("default", quantity(Kind.POWER), false);
            positive(min);
            if (min == null || !min.ok() || max == null || !max.ok() || (def != null && !def.ok())) {
                continue;
            }
            if (min.value() <= 0) {
                continue;
            }
            if (max.value() < min.value()) {
                p.at(max.node(), max.field(), "max " + fmt(max.value(), "W") + " is below min "
                        + fmt(min.value(), "W"));
                continue;
            }
            double d = or(def, max.value());
            if (def != null && (d < min.value() || d > max.value())) {
                p.at(def.node(), def.field(), "default " + fmt(d, "W") + " is outside min..max ("
                        + fmt(min.value(), "W") + ".." + fmt(max.value(), "W") + ")");
                continue;
            }
            gpuModels.put(name, new GpuModel(name, min.value(), max.value(), d));
        }
    }
}
