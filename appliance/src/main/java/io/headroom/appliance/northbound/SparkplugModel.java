package io.headroom.appliance.northbound;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.Arbiter;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.Limit;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Sparkplug edge node publishes, as plain values: the node's own metrics and, per device (one per feed,
 * redundancy group and supercap bank, in site order), its metrics by name. Pure: a {@link SiteState} in, values
 * out; the same metrics (names, types, order) for every state of a site, so a BIRTH and every DATA agree. A value
 * not known (no tick yet, a meter not usable) is null: published with Sparkplug's is_null.
 */
public final class SparkplugModel {

    /** A metric's Sparkplug type (the subset the appliance publishes). */
    public enum Type { DOUBLE, BOOLEAN, STRING, INT64 }

    /** One metric's definition: its name, type and engineering unit ("" for none). */
    public record Def(String name, Type type, String unit) {
    }

    /** A device: its id (a topic level) and its metrics' definitions in order. */
    public record Device(String id, List<Def> defs) {
    }

    private final Site site;
    private final List<Device> devices = new ArrayList<>();
    private final List<Def> nodeDefs = List.of(
            new Def("Properties/Site", Type.STRING, ""),
            new Def("Tick", Type.INT64, ""),
            new Def("N-1/Ready", Type.BOOLEAN, ""),
            new Def("Alarms/Active", Type.INT64, ""));

    public SparkplugModel(Site site) {
        this.site = site;
        for (Feed f : site.feeds()) {
            devices.add(new Device(feedDevice(f.id()), List.of(
                    new Def("Current", Type.DOUBLE, "A"),
                    new Def("Power", Type.DOUBLE, "W"),
                    new Def("Limit", Type.DOUBLE, "A"),
                    new Def("Ceiling", Type.DOUBLE, "A"),
                    new Def("Load Fraction", Type.DOUBLE, ""),
                    new Def("Quality", Type.STRING, ""),
                    new Def("Meter Age", Type.INT64, "ms"))));
        }
        for (RedundancyGroup g : site.groups()) {
            List<Def> d = new ArrayList<>(List.of(
                    new Def("Allowed", Type.DOUBLE, "W"),
                    new Def("Measured", Type.DOUBLE, "W"),
                    new Def("GPU Budget", Type.DOUBLE, "W"),
                    new Def("Binding", Type.STRING, ""),
                    new Def("N-1/Ready", Type.BOOLEAN, ""),
                    new Def("N-1/Redundancy Lost", Type.BOOLEAN, ""),
                    new Def("N-1/Plan Epoch", Type.INT64, "")));
            for (String feed : g.feedIds()) {
                d.add(new Def("N-1/Lose " + feed + "/Feasible", Type.BOOLEAN, ""));
                d.add(new Def("N-1/Lose " + feed + "/Shed", Type.DOUBLE, "W"));
            }
            devices.add(new Device(groupDevice(g.id()), List.copyOf(d)));
        }
        for (SupercapBank b : site.supercaps()) {
            devices.add(new Device(bankDevice(b.id()), List.of(
                    new Def("SoC", Type.DOUBLE, "%"),
                    new Def("Power", Type.DOUBLE, "W"),
                    new Def("Setpoint", Type.DOUBLE, "W"),
                    new Def("Usable", Type.BOOLEAN, ""))));
        }
    }

    public static String feedDevice(String feedId) {
        return "feed-" + feedId;
    }

    public static String groupDevice(String groupId) {
        return "group-" + groupId;
    }

    public static String bankDevice(String bankId) {
        return "supercap-" + bankId;
    }

    public List<Device> devices() {
        return devices;
    }

    public List<Def> nodeDefs() {
        return nodeDefs;
    }

    /** The node's own metrics now, by name, in {@link #nodeDefs()} order. */
    public Map<String, Object> nodeValues(SiteState s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Properties/Site", site.name());
        v.put("Tick", s == null ? null : s.tick());
        v.put("N-1/Ready", s == null ? null : siteReady(s));
        v.put("Alarms/Active", s == null ? null : (long) s.alarms().size());
        return v;
    }

    /** A device's metrics now, by name, in its definitions' order. */
    public Map<String, Object> deviceValues(Device device, SiteState s) {
        Map<String, Object> v = new LinkedHashMap<>();
        String id = device.id();
        for (Feed f : site.feeds()) {
            if (id.equals(feedDevice(f.id()))) {
                FeedMeasurement m = s == null ? null : s.feeds().get(f.id());
                boolean ok = m != null && m.usable();
                Limit.FeedCeiling c = ceiling(s == null ? null : decision(s, site.groupOfFeed(f.id()).id()), f.id());
                v.put("Current", ok ? m.currentA() : null);
                v.put("Power", ok ? m.powerW() : null);
                v.put("Limit", f.limitA());
                v.put("Ceiling", c == null ? null : finite(c.amps()));
                v.put("Load Fraction", ok ? m.currentA() / f.limitA() : null);
                v.put("Quality", m == null ? "NONE" : m.quality().name());
                v.put("Meter Age", m == null ? null : m.ageMs());
                return v;
            }
        }
        for (RedundancyGroup g : site.groups()) {
            if (id.equals(groupDevice(g.id()))) {
                GroupDecision d = s == null ? null : decision(s, g.id());
                v.put("Allowed", d == null ? null : finite(d.allowedGroupW()));
                v.put("Measured", d == null ? null : finite(d.measuredGroupW()));
                v.put("GPU Budget", d == null ? null : finite(d.gpuBudgetW()));
                v.put("Binding", d == null ? null : d.binding());
                v.put("N-1/Ready", d == null ? null : ready(d));
                v.put("N-1/Redundancy Lost", d == null ? null : d.redundancyLost());
                v.put("N-1/Plan Epoch", d == null ? null : d.planEpoch());
                for (String feed : g.feedIds()) {
                    ContingencyPlan p = d == null ? null : d.plans().stream()
                            .filter(x -> x.lostFeedId().equals(feed)).findFirst().orElse(null);
                    v.put("N-1/Lose " + feed + "/Feasible", p == null ? null : p.feasible());
                    v.put("N-1/Lose " + feed + "/Shed", p == null ? null : finite(p.shedW()));
                }
                return v;
            }
        }
        for (SupercapBank b : site.supercaps()) {
            if (id.equals(bankDevice(b.id()))) {
                BankMeasurement m = s == null ? null : s.banks().get(b.id());
                boolean ok = m != null && m.usable();
                Double sp = s == null ? null : s.bankSetpointsW().get(b.id());
                v.put("SoC", ok ? m.socFraction() * 100 : null);
                v.put("Power", ok ? m.powerW() : null);
                v.put("Setpoint", sp == null ? null : finite(sp));
                v.put("Usable", s == null ? null : ok);
                return v;
            }
        }
        throw new IllegalArgumentException("no device " + id);
    }

    /**
     * A group is N-1 ready when it has a plan for the loss of each of its feeds, every plan is feasible, and no feed
     * is out (lost or in maintenance) now.
     */
    public static boolean ready(GroupDecision d) {
        return !d.plans().isEmpty() && !d.redundancyLost() && d.plans().stream().allMatch(ContingencyPlan::feasible);
    }

    /** Every group is N-1 ready (false before the first tick's decisions). */
    public static boolean siteReady(SiteState s) {
        return !s.decisions().isEmpty() && s.decisions().stream().allMatch(SparkplugModel::ready);
    }

    private static GroupDecision decision(SiteState s, String groupId) {
        for (GroupDecision d : s.decisions()) {
            if (d.groupId().equals(groupId)) {
                return d;
            }
        }
        return null;
    }

    private static Limit.FeedCeiling ceiling(GroupDecision d, String feedId) {
        if (d == null) {
            return null;
        }
        for (Arbiter.Considered c : d.considered()) {
            if (c.limit() instanceof Limit.FeedCeiling f && f.feedId().equals(feedId)) {
                return f;
            }
        }
        return null;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
