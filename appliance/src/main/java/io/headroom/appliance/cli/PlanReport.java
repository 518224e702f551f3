package io.headroom.appliance.cli;

import io.headroom.appliance.control.Allocator;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.List;
import java.util.Locale;

/** The human-readable N-1 plan of a site at full demand, as {@code ./headroom check-site} prints it. */
public final class PlanReport {

    private PlanReport() {
    }

    public static String render(Site site) {
        StringBuilder b = new StringBuilder();
        f(b, "Site %s: %s, %s, %s, %s, %d GPUs, %.0f Hz%n", site.name(), count(site.feeds().size(), "feed"),
                count(site.groups().size(), "redundancy group"), count(site.racks().size(), "rack"),
                count(site.nodes().size(), "node"), site.gpuCount(), site.frequencyHz());
        f(b, "%nFeeds%n  %-6s  %8s  %7s  %8s  %9s  %s%n", "FEED", "RATING A", "LIMIT A", "LIMIT kW", "VOLTAGE V", "METER");
        for (Feed x : site.feeds()) {
            f(b, "  %-6s  %8.0f  %7.1f  %8.1f  %9.0f  %s%n", x.id(), x.ratingA(), x.limitA(), x.limitW() / 1000,
                    x.voltageV(), x.meterId());
        }
        for (Feed x : site.feeds()) {
            if (x.ups() != null) { // only a site that names UPS modules gets these lines
                f(b, "  UPS %s on %s: %.1f kW continuous; at a loss a survivor may pick up %.0f %% of it for the %.0f ms "
                                + "until the armed caps land%n", x.ups().id(), x.id(), x.ups().ratingW() / 1000,
                        x.ups().shortRatio() * 100, x.ups().responseS() * 1000);
            }
        }
        for (RedundancyGroup g : site.groups()) {
            List<Node> nodes = site.nodesOf(g);
            double peakW = nodes.stream().mapToDouble(Node::peakW).sum();
            double allFeedsW = ContingencyPlanner.survivorsAllowedW(site, g.feedIds(), 0);
            double margin = site.control().marginFraction();
            f(b, "%nGroup %s: feeds %s, %d nodes, %d GPUs%n", g.id(), String.join(", ", g.feedIds()), nodes.size(),
                    nodes.stream().mapToInt(Node::gpus).sum());
            f(b, "  full demand (every GPU at its maximum): %.1f kW; all %d feeds carry %.1f kW (%.1f %% loaded)%n",
                    peakW / 1000, g.feedIds().size(), allFeedsW / 1000, 100 * peakW / allFeedsW);
            f(b, "  static N-1 provisioning would allow %.1f kW: %.1f %% of the feeds' rating%n",
                    ContingencyPlanner.survivorsAllowedW(site, g.feedIds().subList(1, g.feedIds().size()), 0) / 1000,
                    100.0 * (g.feedIds().size() - 1) / g.feedIds().size());
            for (Priority p : Priority.values()) {
                long count = nodes.stream().filter(n -> n.priority() == p).count();
                if (count > 0) {
                    f(b, "  %-9s %3d nodes, floor %.0f W per GPU%n", p.label(), count,
                            nodes.stream().filter(n -> n.priority() == p).mapToDouble(Allocator::floor).min().orElse(0));
                }
            }
            f(b, "  regulation margin %.1f %%; agents fall back to a safe cap of %.0f W per GPU (lease %d ms)%n",
                    margin * 100, ContingencyPlanner.safeCapW(site, g), site.agents().leaseMs());
            f(b, "  Contingencies at full demand:%n");
            for (ContingencyPlan cp : ContingencyPlanner.planAtFullDemand(site, g)) {
                f(b, "    lose %-4s survivors %-12s carry %7.1f kW; shed %6.1f kW; caps W/GPU:", cp.lostFeedId(),
                        String.join(",", cp.survivors()), cp.survivorsAllowedW() / 1000, cp.shedW() / 1000);
                for (Priority p : Priority.values()) {
                    double min = Double.POSITIVE_INFINITY;
                    double max = 0;
                    for (int i = 0; i < nodes.size(); i++) {
                        if (nodes.get(i).priority() == p) {
                            min = Math.min(min, cp.capsPerGpuW()[i]);
                            max = Math.max(max, cp.capsPerGpuW()[i]);
                        }
                    }
                    if (max > 0) {
                        if (Math.round(min) == Math.round(max)) {
                            f(b, " %s %.0f", p.label(), min);
                        } else {
                            f(b, " %s %.0f–%.0f", p.label(), min, max);
                        }
                    }
                }
                f(b, "%s%n", cp.feasible() ? "" : "  NO SAFE PLAN: the floors alone exceed the survivors");
            }
        }
        return b.toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static void f(StringBuilder b, String fmt, Object... args) {
        b.append(String.format(Locale.ROOT, fmt, args));
    }
}
