package io.headroom.hil.study;

import io.headroom.appliance.site.AgentSettings;
import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.GpuModel;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.OpenAdrSettings;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.TripCurve;

import java.util.ArrayList;
import java.util.List;

/** Small halls built in code for the study's tests. */
final class StudyHalls {
    static final GpuModel H100 = new GpuModel("h100-sxm", 200, 700, 700);
    static final ControlSettings CONTROL = new ControlSettings(100, 0.03, 5, 2000, 25);

    private StudyHalls() {
    }

    /**
     * One group of four 40 A feeds (415 V, pf 0.98: 28.2 kW each) and three racks of 8 × H100 nodes: a critical
     * rack (2 nodes, 600 W floor), a standard one (3) and a flexible one (3).
     */
    static Site small() {
        List<Feed> feeds = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = String.valueOf((char) ('A' + i));
            ids.add(id);
            feeds.add(new Feed(id, 40, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "meter-" + id));
        }
        List<Node> nodes = new ArrayList<>();
        int[] counts = {2, 3, 3};
        List<Rack> racks = new ArrayList<>();
        int k = 0;
        for (Priority p : Priority.values()) {
            String rack = "R" + (p.ordinal() + 1);
            racks.add(new Rack(rack, "hall"));
            for (int i = 0; i < counts[p.ordinal()]; i++, k++) {
                nodes.add(new Node(rack.toLowerCase() + "-n" + (i + 1), rack, "hall", 8, H100, 1500, p,
                        p == Priority.CRITICAL ? 600 : 200, new Endpoint("127.0.0.1", 57001 + k)));
            }
        }
        return new Site("small", 60, feeds, List.of(new RedundancyGroup("hall", ids)), racks, nodes, List.of(),
                List.of(), AgentSettings.plain(2000, 0), CONTROL, OpenAdrSettings.disabled());
    }

    /** Short virtual runs for tests: 10 s warm-up, 40 s counted, losses within 5 s, 10 s after. */
    static StudyParams quick() {
        return StudyParams.defaults().withDrills(1).withTimes(10, 40, 5, 10);
    }
}
