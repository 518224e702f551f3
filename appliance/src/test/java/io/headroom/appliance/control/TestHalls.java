package io.headroom.appliance.control;

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
import java.util.Random;

/** Halls built in code for the control tests (the site-file tests cover the loader). */
final class TestHalls {
    static final GpuModel H100 = new GpuModel("h100-sxm", 200, 700, 700);
    static final ControlSettings CONTROL = new ControlSettings(100, 0.03, 5, 2000, 25);

    private TestHalls() {
    }

    /** One group of {@code feeds} feeds of {@code ratingA}, nodes by class: critical, standard, flexible. */
    static Site hall(int feeds, double ratingA, int critical, int standard, int flexible) {
        List<Feed> f = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < feeds; i++) {
            String id = String.valueOf((char) ('A' + i));
            ids.add(id);
            f.add(new Feed(id, ratingA, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "meter-" + id));
        }
        List<Node> nodes = new ArrayList<>();
        int k = 0;
        for (Priority p : Priority.values()) {
            int count = p == Priority.CRITICAL ? critical : p == Priority.STANDARD ? standard : flexible;
            for (int i = 0; i < count; i++, k++) {
                nodes.add(new Node("n" + k, "R1", "g", 8, H100, 1500, p, p == Priority.CRITICAL ? 600 : 200,
                        new Endpoint("127.0.0.1", 57000 + k)));
            }
        }
        return new Site("test", 60, f, List.of(new RedundancyGroup("g", ids)), List.of(new Rack("R1", "g")), nodes,
                List.of(), List.of(), AgentSettings.plain(2000, 0), CONTROL, OpenAdrSettings.disabled());
    }

    /** A random hall: 2–6 feeds, 1–40 nodes of random classes and GPU counts, ratings from 20 to 400 A. */
    static Site randomHall(Random r) {
        int feeds = 2 + r.nextInt(5);
        List<Feed> f = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < feeds; i++) {
            String id = "F" + i;
            ids.add(id);
            f.add(new Feed(id, 20 + r.nextInt(380), 0.8 + 0.2 * r.nextDouble(), 400 + r.nextInt(80), 3,
                    0.9 + 0.1 * r.nextDouble(), TripCurve.thermalMagneticDefault(), "m" + i));
        }
        List<Node> nodes = new ArrayList<>();
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            double min = 100 + r.nextInt(150);
            double max = min + 100 + r.nextInt(600);
            GpuModel g = new GpuModel("g", min, max, max);
            Priority p = Priority.values()[r.nextInt(3)];
            nodes.add(new Node("n" + i, "R", "g", 1 + r.nextInt(8), g, 200 + r.nextInt(1500), p,
                    min + r.nextDouble() * (max - min), new Endpoint("127.0.0.1", 1 + i)));
        }
        return new Site("random", 60, f, List.of(new RedundancyGroup("g", ids)), List.of(new Rack("R", "g")), nodes,
                List.of(), List.of(), AgentSettings.plain(2000, 0), CONTROL, OpenAdrSettings.disabled());
    }
}
