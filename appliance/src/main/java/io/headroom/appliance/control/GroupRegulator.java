package io.headroom.appliance.control;

import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Peak shaving for one redundancy group: from the feeds' measured currents it finds how much more (or less)
 * the group may draw before its most loaded feed reaches its limit less margin, subtracts the load the GPUs do
 * not explain, and allocates the rest to GPUs by priority ({@link Allocator}). Caps fall at once; they rise
 * only after a hold time, by a bounded step per tick, and changes within the deadband are not made, so a
 * steady load gives steady caps.
 *
 * <p>Stale or implausible meters never read as "no load": the group's draw is extrapolated from the feeds
 * still read, the budget is tightened by {@link #DEGRADED_EXTRA_MARGIN}, and an alarm is raised; with no
 * usable meter at all the group is held at its N-1 safe cap.
 *
 * <p>Pure apart from its own state (last caps and when they were lowered); time comes from the snapshot.
 */
public final class GroupRegulator {

    /** Extra fraction held back while some of a group's meters cannot be trusted. */
    public static final double DEGRADED_EXTRA_MARGIN = 0.10;
    /** A node drawing at least this fraction of its cap is taken to want more. */
    static final double SATURATED = 0.95;

    private final RedundancyGroup group;
    private final List<Feed> feeds;
    private final List<Node> nodes;
    private final ControlSettings control;
    private final double safeCapW;
    private final double[] lastCap;
    private final long[] loweredAtNanos;

    public GroupRegulator(Site site, RedundancyGroup group, double safeCapW) {
        this.group = group;
        this.feeds = group.feedIds().stream().map(id -> site.feed(id).orElseThrow()).toList();
        this.nodes = site.nodesOf(group);
        this.control = site.control();
        this.safeCapW = safeCapW;
        this.lastCap = new double[nodes.size()];
        this.loweredAtNanos = new long[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            lastCap[i] = Math.clamp(safeCapW, Allocator.floor(nodes.get(i)), nodes.get(i).gpu().maxW());
        }
        Arrays.fill(loweredAtNanos, Long.MIN_VALUE / 2);
    }

    public List<Node> nodes() {
        return nodes;
    }

    public GroupDecision run(Snapshot s) {
        List<String> alarms = new ArrayList<>();
        double margin = control.marginFraction();
        int usable = 0;
        double measuredW = 0;
        double minRatio = Double.POSITIVE_INFINITY;
        String binding = "";
        for (Feed f : feeds) {
            FeedMeasurement m = s.feeds().get(f.id());
            if (m == null || !m.usable()) {
                alarms.add("feed " + f.id() + ": meter " + (m == null ? "missing" : m.quality().name().toLowerCase())
                        + (m == null ? "" : " (" + m.ageMs() + " ms old)") + "; group held conservatively");
                continue;
            }
            usable++;
            measuredW += m.powerW();
            double ratio = f.limitA() * (1 - margin) / Math.max(m.currentA(), 1e-3);
            if (ratio < minRatio) {
                minRatio = ratio;
                binding = f.id();
            }
        }
        double[] target;
        double allowedW;
        double nonGpuW;
        double budgetW;
        String why;
        if (usable == 0) {
            target = new double[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                target[i] = Math.clamp(safeCapW, Allocator.floor(nodes.get(i)), nodes.get(i).gpu().maxW());
            }
            allowedW = Double.NaN;
            nonGpuW = Double.NaN;
            budgetW = Double.NaN;
            why = "no usable meter in group " + group.id() + ": every node held at its N-1 safe cap";
        } else {
            if (usable < feeds.size()) {
                measuredW = measuredW * feeds.size() / usable;
                minRatio *= 1 - DEGRADED_EXTRA_MARGIN;
            }
            allowedW = measuredW * minRatio;
            double gpuW = 0;
            double[] demand = new double[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                NodeTelemetry t = s.nodes().get(node.id());
                if (t != null && t.fresh()) {
                    gpuW += t.gpuPowerW();
                    double perGpu = t.gpuPowerW() / node.gpus();
                    demand[i] = perGpu >= SATURATED * lastCap[i] ? node.gpu().maxW() : perGpu * 1.1 + 10;
                } else {
                    demand[i] = lastCap[i];
                }
            }
            nonGpuW = Math.max(0, measuredW - gpuW);
            budgetW = allowedW - nonGpuW;
            target = Allocator.allocate(nodes, demand, budgetW);
            if (budgetW < Allocator.floorsW(nodes)) {
                alarms.add("group " + group.id() + ": GPU budget " + kw(budgetW) + " is below the floors "
                        + kw(Allocator.floorsW(nodes)) + "; every GPU at its floor");
            }
            why = "feed " + binding + " at " + pct(1 / minRatio * (1 - margin)) + " of its limit sets the budget";
        }
        long now = s.monoNanos();
        for (int i = 0; i < nodes.size(); i++) {
            double t = target[i];
            if (t < lastCap[i] - control.deadbandW()) {
                lastCap[i] = t;
                loweredAtNanos[i] = now;
            } else if (t > lastCap[i] + control.deadbandW()
                    && now - loweredAtNanos[i] >= control.raiseHoldMs() * 1_000_000L) {
                lastCap[i] = Math.min(t, lastCap[i] + control.raiseStepW());
            }
        }
        return new GroupDecision(group.id(), allowedW, measuredW, nonGpuW, budgetW, binding, why, lastCap.clone(),
                List.copyOf(alarms));
    }

    private static String kw(double w) {
        return String.format(java.util.Locale.ROOT, "%.1f kW", w / 1000);
    }

    private static String pct(double f) {
        return String.format(java.util.Locale.ROOT, "%.1f %%", f * 100);
    }
}
