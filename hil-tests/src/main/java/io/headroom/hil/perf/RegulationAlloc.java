package io.headroom.hil.perf;

import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.control.NodeValues;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code regulation-alloc}: the garbage one regulation tick makes, and its time, for the footprint's hall (the example
 * hall's structure and settings, 4 feeds, one group, critical/standard/flexible racks) with 64 and with 1,000 nodes.
 *
 * <p>A tick here is what {@code RegulationLoop.tick} does between reading the plant and commanding it: the agents'
 * telemetry gathered into a map, the immutable {@link Snapshot}, one {@link GroupRegulator#run} per redundancy
 * group (every controller, the allocation, the contingency plans, the hysteresis), and the caps gathered into the
 * map its published state carries. The plant is in this JVM and has no sockets: each node's demand per GPU walks at
 * random (seeded) and jumps now and then, its GPUs draw the least of that and the cap last decided, its agent's
 * report is made between ticks (as the actuator receives it, off the regulation thread), and the meters read the
 * hall's draw split over the 4 feeds: the caps and the plans move (plans re-armed about one tick in three), the
 * hall stays under its breakers' continuous ceilings (no alarm, one binding limit). Meter reads, the actuator's
 * sends, the journal and the published {@code SiteState} itself are not in it.
 *
 * <p>Figures per size, after {@value #WARMUP} warm-up ticks, over {@value #TICKS} ticks on the calling thread (the plant's
 * step between two ticks is neither counted nor timed):
 * {@code regulation-alloc.nN.bytes_per_tick} (the thread's allocated bytes, {@code ThreadMXBean}, over the ticks,
 * divided by their count), {@code .regulators_bytes_per_tick} (the {@code GroupRegulator.run} calls alone),
 * {@code .tick_us_p50} and {@code .tick_us_p99}, and {@code .mib_per_s_at_10hz} (what the bytes make at the
 * site's 10 Hz).
 */
public final class RegulationAlloc {

    static final int WARMUP = 3_000;
    static final int TICKS = 3_000;

    private RegulationAlloc() {
    }

    public static void run(PrintWriter out) {
        for (int n : new int[]{64, 1_000}) {
            Hall hall = new Hall(site(n), 42 + n);
            for (int k = 0; k < WARMUP; k++) {
                hall.tick();
            }
            long[] us = new long[TICKS];
            long bytes = 0;
            long regBytes = 0;
            for (int k = 0; k < TICKS; k++) {
                hall.tick();
                us[k] = hall.tickNanos / 1_000;
                bytes += hall.tickBytes;
                regBytes += hall.regulatorBytes;
            }
            Arrays.sort(us);
            double perTick = (double) bytes / TICKS;
            out.printf(Locale.ROOT, "regulation-alloc.n%d.bytes_per_tick %.0f B%n", n, perTick);
            out.printf(Locale.ROOT, "regulation-alloc.n%d.regulators_bytes_per_tick %.0f B%n", n, (double) regBytes / TICKS);
            out.printf(Locale.ROOT, "regulation-alloc.n%d.mib_per_s_at_10hz %.2f MiB/s%n", n, perTick * 10 / 1048576.0);
            out.printf(Locale.ROOT, "regulation-alloc.n%d.tick_us_p50 %d us%n", n, us[TICKS / 2]);
            out.printf(Locale.ROOT, "regulation-alloc.n%d.tick_us_p99 %d us%n", n, us[(int) (TICKS * 0.99)]);
            out.printf(Locale.ROOT, "# regulation-alloc n%d: %d re-armings, %d ticks with alarms, %d changes of the binding limit "
                    + "(warm-up included)%n", n, hall.rearms, hall.alarmTicks, hall.bindingChanges);
            out.flush();
        }
        out.println("regulation-alloc done");
    }

    /** The footprint benchmark's generated hall with {@code n} nodes (agents' and meters' ports never bound). */
    static Site site(int n) {
        try {
            Path dir = Files.createTempDirectory("regulation-alloc");
            Path keys = dir.resolve("agent-psk.keys");
            StringBuilder k = new StringBuilder();
            Map<String, Integer> agents = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                agents.put(FootprintPlant.nodeId(i), 1 + i);
                k.append(FootprintPlant.nodeId(i)).append(' ').append("00".repeat(32)).append('\n');
            }
            Files.writeString(keys, k);
            Map<String, Integer> meters = new LinkedHashMap<>();
            Map<String, Integer> banks = new LinkedHashMap<>();
            int port = 40_000;
            for (String f : FootprintPlant.FEEDS) {
                meters.put("meter-" + f, port++);
                banks.put("bank-" + f, port++);
            }
            Site s = SiteLoader.parse("regulation-alloc.yaml", FootprintPlant.yaml(n, agents, meters, banks, keys, 45_000));
            Files.delete(keys);
            Files.delete(dir);
            return s;
        } catch (Exception e) {
            throw new IllegalStateException("regulation-alloc: the hall of " + n + " nodes: " + e.getMessage(), e);
        }
    }

    /**
     * The plant and the regulators of a hall, ticked on the caller's thread. What {@code RegulationLoop.tick} does per
     * node is copied here ({@link #gatherTelemetry}, {@link #capsMap}): keep the two alike.
     */
    static final class Hall {
        private final Site site;
        private final List<GroupRegulator> regulators = new ArrayList<>();
        private final List<Node> nodes;
        private final double[] demandPerGpu;
        private final double[] capPerGpu;
        private final Random random;
        private final com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        private long tick;
        private final double[] drawW;
        private final NodeTelemetry[] reported;
        private final NodeValues.Index nodeIndex;
        private final GroupDecision[] decisions;
        private final List<int[]> groupIndex = new ArrayList<>();
        private final io.headroom.appliance.control.Limit[] lastBinding;
        int rearms;
        int alarmTicks;
        int bindingChanges;

        Hall(Site site, long seed) {
            this.site = site;
            this.nodes = site.nodes();
            this.random = new Random(seed);
            for (RedundancyGroup g : site.groups()) {
                regulators.add(new GroupRegulator(site, g, ContingencyPlanner.safeCapW(site, g)));
            }
            for (GroupRegulator r : regulators) {
                int[] idx = new int[r.nodes().size()];
                for (int k = 0; k < idx.length; k++) {
                    idx[k] = nodes.indexOf(r.nodes().get(k));
                }
                groupIndex.add(idx);
            }
            decisions = new GroupDecision[regulators.size()];
            lastBinding = new io.headroom.appliance.control.Limit[regulators.size()];
            drawW = new double[nodes.size()];
            reported = new NodeTelemetry[nodes.size()];
            nodeIndex = new NodeValues.Index(nodes);
            demandPerGpu = new double[nodes.size()];
            capPerGpu = new double[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                demandPerGpu[i] = node.gpu().minW() + random.nextDouble() * (node.gpu().maxW() - node.gpu().minW());
                capPerGpu[i] = ContingencyPlanner.safeCapW(site, site.group(node.groupId()).orElseThrow());
            }
        }

        /** The agents' telemetry as RegulationLoop.tick gathers it (the actuator hands out the last report it holds). */
        private Map<String, NodeTelemetry> gatherTelemetry() {
            NodeValues.Builder<NodeTelemetry> heard = new NodeValues.Builder<>(nodeIndex);
            for (int i = 0; i < nodes.size(); i++) {
                heard.put(i, heardFrom(i).orElse(null));
            }
            return heard.build();
        }

        private java.util.Optional<NodeTelemetry> heardFrom(int i) {
            return java.util.Optional.ofNullable(reported[i]);
        }

        /** The caps as RegulationLoop.tick publishes them in its SiteState. */
        private Map<String, Double> capsMap(GroupDecision[] decided) {
            NodeValues.Doubles.Builder caps = new NodeValues.Doubles.Builder(nodeIndex);
            for (int g = 0; g < regulators.size(); g++) {
                List<Node> groupNodes = regulators.get(g).nodes();
                for (int i = 0; i < groupNodes.size(); i++) {
                    caps.put(groupNodes.get(i).id(), decided[g].capsPerGpuW()[i]);
                }
            }
            return caps.build();
        }

        /** Bytes the last tick allocated: all of it, and the regulators' part. */
        long tickBytes;
        long regulatorBytes;
        /** The last tick's time, ns (the allocation counter's three reads included). */
        long tickNanos;

        /** One plant step (not counted), then one tick (counted: {@link #tickBytes}, {@link #regulatorBytes}). */
        void tick() {
            tick++;
            long nowNanos = tick * site.control().tickMs() * 1_000_000L;
            double hallW = 0;
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                double lo = node.gpu().minW();
                double hi = node.gpu().maxW();
                double d = demandPerGpu[i] + random.nextGaussian() * 4;
                if (random.nextInt(2_000) == 0) {
                    d = lo + random.nextDouble() * (hi - lo); // a job starts or ends
                }
                demandPerGpu[i] = Math.clamp(d, lo, hi);
                drawW[i] = Math.min(demandPerGpu[i], capPerGpu[i]) * node.gpus();
                hallW += drawW[i] + node.baseW();
                // The agent's report, made where the actuator receives it (not on the regulation thread): not counted.
                reported[i] = new NodeTelemetry(node.id(), drawW[i], capPerGpu[i], true);
            }
            long t0 = System.nanoTime();
            long b0 = mx.getCurrentThreadAllocatedBytes();
            // As RegulationLoop.tick: the agents' telemetry into a map, the meters' feeds, one snapshot, the regulators,
            // the caps into the map the published state carries.
            Map<String, NodeTelemetry> telemetry = gatherTelemetry();
            Map<String, FeedMeasurement> feeds = new HashMap<>();
            for (Feed f : site.feeds()) {
                double w = hallW / site.feeds().size();
                feeds.put(f.id(), new FeedMeasurement(f.id(), w / f.powerAtCurrentW(1), w, MeasurementQuality.GOOD, 50));
            }
            Snapshot s = new Snapshot(tick, nowNanos, Instant.EPOCH.plusNanos(nowNanos), feeds, telemetry);
            long b1 = mx.getCurrentThreadAllocatedBytes();
            for (int g = 0; g < regulators.size(); g++) {
                decisions[g] = regulators.get(g).run(s);
            }
            long b2 = mx.getCurrentThreadAllocatedBytes();
            Map<String, Double> caps = capsMap(decisions);
            long b3 = mx.getCurrentThreadAllocatedBytes();
            tickNanos = System.nanoTime() - t0;
            if (caps.size() != nodes.size()) {
                throw new IllegalStateException("caps for " + caps.size() + " of " + nodes.size() + " nodes");
            }
            tickBytes = b3 - b0;
            regulatorBytes = b2 - b1;
            for (int g = 0; g < regulators.size(); g++) {
                GroupDecision d = decisions[g];
                int[] idx = groupIndex.get(g);
                for (int k = 0; k < idx.length; k++) {
                    capPerGpu[idx[k]] = d.capsPerGpuW()[k];
                }
                if (d.rearm()) {
                    rearms++;
                }
                if (!d.alarms().isEmpty()) {
                    alarmTicks++;
                }
                if (d.bindingLimit() != lastBinding[g]
                        && (d.bindingLimit() == null || !d.bindingLimit().equals(lastBinding[g]))) {
                    bindingChanges++;
                    lastBinding[g] = d.bindingLimit();
                }
            }
        }
    }
}
