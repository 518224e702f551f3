package io.headroom.appliance.control;

import io.headroom.appliance.measure.MeasurementQuality;

import io.headroom.appliance.measure.BankMeasurement;

import io.headroom.appliance.measure.NodeTelemetry;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleFunction;
import java.util.function.Function;

/**
 * Seeded random plants for comparing regulators decision by decision: a random hall in closed loop (the caps a
 * regulator decides are what its nodes draw under next tick), with everything {@link GroupRegulator} reads going
 * wrong now and then: demand steps, a feed lost and back, meters stale, frozen, missing, reading half the truth or
 * reversed, agents never heard from or silent, supercap banks charging and discharging, grid and economic limits,
 * operator overrides, feeds in maintenance, ticks late by seconds. Each scenario renders every decision as text.
 */
final class RegulatorScenarios {

    /** One regulator under test, built for a site's group at its safe cap. */
    interface Factory {
        Function<Snapshot, GroupDecision> create(Site site, RedundancyGroup group, double safeCapW);
    }

    static final int TICKS = 120;

    private RegulatorScenarios() {
    }

    /** Every decision of scenario {@code seed}, one line each; doubles exact, or rounded to a thousandth. */
    static List<String> trace(long seed, Factory factory, boolean exact) {
        Random r = new Random(seed);
        Site site = r.nextInt(4) == 0
                ? TestHalls.hall(2 + r.nextInt(3), 100 + r.nextInt(100), r.nextInt(12), r.nextInt(20), 1 + r.nextInt(20))
                : TestHalls.randomHall(r);
        RedundancyGroup group = site.groups().getFirst();
        double safeCapW = switch (r.nextInt(3)) {
            case 0 -> ContingencyPlanner.safeCapW(site, group);
            case 1 -> 100 + r.nextInt(600);
            default -> 1e9;
        };
        Function<Snapshot, GroupDecision> reg = factory.create(site, group, safeCapW);
        Plant plant = new Plant(site, r);
        DoubleFunction<String> fmt = exact ? Double::toString : RegulatorScenarios::thousandths;
        List<String> out = new ArrayList<>(TICKS);
        for (int t = 1; t <= TICKS; t++) {
            Snapshot s = plant.next(t);
            GroupDecision d = reg.apply(s);
            plant.obey(d);
            out.add(render(d, fmt));
        }
        return out;
    }

    /**
     * A value to a thousandth (of a watt, an amp), in an integer: a last-bit difference of a transcendental function
     * between two JVMs does not move it, and it renders far faster than a formatted double.
     */
    static String thousandths(double v) {
        return Double.isFinite(v) ? Long.toString(Math.round(v * 1000)) : Double.toString(v);
    }

    /** SHA-256 of a trace, hex, its first 16 characters. */
    static String digest(List<String> trace) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String line : trace) {
                md.update(line.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String render(GroupDecision d, DoubleFunction<String> f) {
        StringBuilder b = new StringBuilder(512);
        b.append(d.groupId()).append(" allowed=").append(f.apply(d.allowedGroupW()))
                .append(" measured=").append(f.apply(d.measuredGroupW()))
                .append(" nonGpu=").append(f.apply(d.nonGpuW()))
                .append(" budget=").append(f.apply(d.gpuBudgetW()))
                .append(" bindingFeed=").append(d.bindingFeed())
                .append(" binding=").append(d.binding())
                .append(" limit=").append(limit(d.bindingLimit(), f))
                .append(" considered=[");
        for (Arbiter.Considered c : d.considered()) {
            b.append(limit(c.limit(), f)).append('=').append(f.apply(c.groupW())).append("; ");
        }
        b.append("] caps=").append(doubles(d.capsPerGpuW(), f)).append(" plans=[");
        for (ContingencyPlan p : d.plans()) {
            b.append(p.groupId()).append('/').append(p.lostFeedId()).append(' ').append(p.survivors())
                    .append(' ').append(f.apply(p.survivorsAllowedW())).append(' ').append(f.apply(p.baseW()))
                    .append(' ').append(f.apply(p.gpuBudgetW())).append(' ').append(f.apply(p.demandW()))
                    .append(' ').append(doubles(p.capsPerGpuW(), f)).append(' ').append(p.feasible()).append("; ");
        }
        b.append("] epoch=").append(d.planEpoch()).append(" rearm=").append(d.rearm())
                .append(" alarms=").append(d.alarms())
                .append(" out=").append(new TreeSet<>(d.feedsOut()));
        return b.toString();
    }

    private static String limit(Limit l, DoubleFunction<String> f) {
        if (l == null) {
            return "null";
        }
        String what = switch (l) {
            case Limit.FeedCeiling c -> "feed " + c.feedId() + " " + f.apply(c.amps()) + " A";
            case Limit.GroupCeiling c -> "group " + c.groupId() + " " + f.apply(c.watts()) + " W";
            case Limit.SiteCeiling c -> "site " + f.apply(c.watts()) + " W";
            default -> l.toString();
        };
        return what + " " + l.tier() + " " + l.source() + " (" + l.reason() + ")";
    }

    private static String doubles(double[] a, DoubleFunction<String> f) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            b.append(i == 0 ? "" : ",").append(f.apply(a[i]));
        }
        return b.append(']').toString();
    }

    /** The hall, its meters, agents and banks, and what the operator and the grid ask. */
    private static final class Plant {
        final Site site;
        final Random r;
        final List<Feed> feeds;
        final List<Node> nodes;
        final double[] demand;
        final double[] cap;
        final boolean[] feedUp;
        /** Per feed: 0 honest, 1 stale, 2 error, 3 frozen, 4 missing, 5 NaN, 6 half the truth, 7 reversed. */
        final int[] meterMode;
        /** Per node: 0 answering, 1 never heard from yet, 2 silent. */
        final int[] agentMode;
        final double[] lastReportedW;
        final double[] lastReportedCap;
        final List<String> bankFeeds = new ArrayList<>();
        double unexplainedW;
        long monoNanos;
        List<Limit> external = List.of();
        Map<String, Double> overrides = Map.of();
        Set<String> maintenance = Set.of();
        boolean foreignFeed;

        Plant(Site site, Random r) {
            this.site = site;
            this.r = r;
            this.feeds = site.feeds();
            this.nodes = site.nodes();
            int n = nodes.size();
            demand = new double[n];
            cap = new double[n];
            agentMode = new int[n];
            lastReportedW = new double[n];
            lastReportedCap = new double[n];
            double level = r.nextDouble();
            for (int i = 0; i < n; i++) {
                Node node = nodes.get(i);
                demand[i] = node.gpu().maxW() * (level * 0.8 + 0.4 * r.nextDouble());
                cap[i] = node.gpu().maxW();
                agentMode[i] = r.nextInt(4) == 0 ? 1 : 0;
            }
            feedUp = new boolean[feeds.size()];
            Arrays.fill(feedUp, true);
            meterMode = new int[feeds.size()];
            for (int k = r.nextInt(3); k > 0; k--) {
                bankFeeds.add(feeds.get(r.nextInt(feeds.size())).id());
            }
            foreignFeed = r.nextBoolean();
            monoNanos = r.nextLong(1_000_000_000_000L);
        }

        double gpuW(int i) {
            return Math.min(demand[i], cap[i]) * nodes.get(i).gpus();
        }

        Snapshot next(long tick) {
            monoNanos += switch (r.nextInt(40)) {
                case 0 -> 1_000_000_000L + r.nextLong(30_000_000_000L); // a late tick, or a gap
                case 1 -> 0; // two ticks at one instant
                default -> 100_000_000L + r.nextLong(-5_000_000, 5_000_000);
            };
            // Demand walks, and steps now and then.
            for (int i = 0; i < demand.length; i++) {
                double max = nodes.get(i).gpu().maxW();
                demand[i] = r.nextInt(30) == 0 ? r.nextDouble() * max * 1.1
                        : Math.clamp(demand[i] + (r.nextDouble() - 0.5) * 20, 0, max * 1.1);
            }
            if (r.nextInt(20) == 0) {
                unexplainedW = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 5_000;
            }
            // A feed lost, or back.
            if (r.nextInt(25) == 0) {
                int f = r.nextInt(feeds.size());
                feedUp[f] = !feedUp[f];
            }
            // Meters go wrong for a while, and right again.
            for (int f = 0; f < feeds.size(); f++) {
                if (meterMode[f] == 0 ? r.nextInt(60) == 0 : r.nextInt(15) == 0) {
                    meterMode[f] = meterMode[f] == 0 ? 1 + r.nextInt(7) : 0;
                }
            }
            // Agents fall silent, or answer again.
            for (int i = 0; i < agentMode.length; i++) {
                if (agentMode[i] == 1 ? r.nextInt(8) == 0 : agentMode[i] == 2 ? r.nextInt(20) == 0 : r.nextInt(200) == 0) {
                    agentMode[i] = agentMode[i] == 0 ? 2 : 0;
                }
            }
            if (r.nextInt(30) == 0) {
                maintenance = switch (r.nextInt(5)) {
                    case 0 -> Set.of(feeds.get(r.nextInt(feeds.size())).id());
                    case 1 -> Set.of(feeds.get(r.nextInt(feeds.size())).id(), "elsewhere");
                    case 2 -> Set.copyOf(feeds.stream().map(Feed::id).toList());
                    default -> Set.of();
                };
            }
            if (r.nextInt(20) == 0) {
                Map<String, Double> o = new HashMap<>();
                for (int k = r.nextInt(4); k > 0 && !nodes.isEmpty(); k--) {
                    Node node = nodes.get(r.nextInt(nodes.size()));
                    o.put(node.id(), r.nextDouble() * node.gpu().maxW() * 1.2);
                }
                if (r.nextInt(4) == 0) {
                    o.put("not-a-node", 300.0);
                }
                overrides = o;
            }

            double groupW = unexplainedW;
            for (int i = 0; i < nodes.size(); i++) {
                groupW += gpuW(i) + nodes.get(i).baseW();
            }
            int live = 0;
            for (boolean up : feedUp) {
                live += up ? 1 : 0;
            }
            Map<String, BankMeasurement> banks = new HashMap<>();
            Map<String, Double> bankOnFeed = new HashMap<>();
            for (int b = 0; b < bankFeeds.size(); b++) {
                double w = r.nextInt(4) == 0 ? 0 : (r.nextDouble() - 0.5) * 40_000;
                boolean usable = r.nextInt(10) != 0;
                banks.put("bank-" + b, new BankMeasurement("bank-" + b, bankFeeds.get(b), w, r.nextDouble(), usable));
                if (usable) {
                    bankOnFeed.merge(bankFeeds.get(b), w, Double::sum);
                }
            }
            Map<String, FeedMeasurement> meters = new HashMap<>();
            double siteW = 0;
            for (int f = 0; f < feeds.size(); f++) {
                Feed feed = feeds.get(f);
                double loadW = feedUp[f] && live > 0 ? groupW / live : 0;
                double gridW = loadW - (feedUp[f] ? bankOnFeed.getOrDefault(feed.id(), 0.0) : 0);
                double a = Math.abs(gridW) / (Math.sqrt(3) * feed.voltageV() * feed.powerFactor());
                siteW += gridW;
                FeedMeasurement m = switch (meterMode[f]) {
                    case 1 -> new FeedMeasurement(feed.id(), a, gridW, MeasurementQuality.STALE, 3_000);
                    case 2 -> new FeedMeasurement(feed.id(), Double.NaN, Double.NaN, MeasurementQuality.ERROR, 0);
                    case 3 -> new FeedMeasurement(feed.id(), a, gridW, MeasurementQuality.FROZEN, 40);
                    case 4 -> null;
                    case 5 -> new FeedMeasurement(feed.id(), Double.NaN, gridW, MeasurementQuality.GOOD, 40);
                    case 6 -> new FeedMeasurement(feed.id(), a / 2, gridW / 2, MeasurementQuality.GOOD, 40);
                    case 7 -> new FeedMeasurement(feed.id(), a, -gridW, MeasurementQuality.GOOD, 40);
                    default -> new FeedMeasurement(feed.id(), a, gridW, MeasurementQuality.GOOD, 20 + r.nextInt(60));
                };
                if (m != null) {
                    meters.put(feed.id(), m);
                }
            }
            if (foreignFeed) {
                double w = 20_000 + r.nextDouble() * 50_000;
                meters.put("other-feed", new FeedMeasurement("other-feed", w / 690, w, MeasurementQuality.GOOD, 30));
                siteW += w;
            }
            if (r.nextInt(15) == 0) {
                List<Limit> l = new ArrayList<>();
                for (int k = r.nextInt(4); k > 0; k--) {
                    double scale = 0.3 + r.nextDouble();
                    Feed feed = feeds.get(r.nextInt(feeds.size()));
                    l.add(switch (r.nextInt(6)) {
                        case 0 -> new Limit.SiteCeiling(siteW * scale, Tier.GRID, "grid-commitment", "grid " + k);
                        case 1 -> new Limit.SiteCeiling(siteW * scale, Tier.ECONOMICS, "price", "price " + k);
                        case 2 -> new Limit.GroupCeiling("g", groupW * scale, Tier.GRID, "group", "group " + k);
                        case 3 -> new Limit.GroupCeiling("other", 1_000, Tier.SAFETY, "elsewhere", "other group");
                        case 4 -> new Limit.FeedCeiling(feed.id(), feed.limitA() * scale, Tier.GRID, "feed", "feed " + k);
                        default -> new Limit.FeedCeiling(feed.id(), feed.limitA() * scale, Tier.SAFETY, "fuse", "fuse " + k);
                    });
                }
                external = l;
            }

            Map<String, NodeTelemetry> telemetry = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                switch (agentMode[i]) {
                    case 0 -> {
                        lastReportedW[i] = gpuW(i);
                        lastReportedCap[i] = cap[i];
                        telemetry.put(node.id(), new NodeTelemetry(node.id(), lastReportedW[i], cap[i], true));
                    }
                    case 2 -> telemetry.put(node.id(),
                            new NodeTelemetry(node.id(), lastReportedW[i], lastReportedCap[i], false));
                    default -> {
                    }
                }
            }
            return new Snapshot(tick, monoNanos, Instant.EPOCH.plusMillis(monoNanos / 1_000_000), meters, telemetry,
                    banks, external, overrides, maintenance);
        }

        /** The nodes whose agents answer take the caps decided. */
        void obey(GroupDecision d) {
            for (int i = 0; i < cap.length; i++) {
                if (agentMode[i] != 2) {
                    cap[i] = d.capsPerGpuW()[i];
                }
            }
        }
    }
}
