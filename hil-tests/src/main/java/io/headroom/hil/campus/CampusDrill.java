package io.headroom.hil.campus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import io.headroom.appliance.campus.CampusNode;
import io.headroom.appliance.site.Quantity;

/**
 * A campus drill: a scenario of failures played on a {@link CampusBench} in real time, with what it expects
 * ({@code hil-tests/scenarios/campus/*.yaml}, format in {@code hil-tests/README.md}, <em>Campus drills</em>).
 *
 * <p>Events: {@code dr: 200 kW} / {@code dr: off} (the campus's DR commitment in etcd), {@code kill: coordinator}
 * or {@code kill: ID} (an appliance crashes), {@code partition: ID} / {@code heal: ID} (an appliance cut off from
 * every etcd member), {@code killEtcd: N} / {@code restartEtcd: N} (a member, by index), {@code feedLoss: ID/FEED}
 * / {@code feedRestore: ID/FEED} (a feed of a lineup's plant).
 *
 * <p>Figures: {@code failover_ms} (the last kill of a coordinator to a new one's first budgets written),
 * {@code stale_budget_s} (the longest any appliance ran on a budget not rewritten for over two rounds),
 * {@code fallback_s} (the longest any live appliance held its static share after it first had a budget),
 * {@code import_above_limit_kws} (the campus's import above its import limit, integrated, kW·s),
 * {@code dr_shortfall_kws} (above the DR commitment while one is in force), {@code trips}.
 */
public final class CampusDrill {

    private static final Logger log = LoggerFactory.getLogger(CampusDrill.class);

    /** One event at {@code atS} seconds into the drill. */
    public record Event(double atS, String kind, String arg) {
    }

    /** What the drill expects: figure name → the most it may be. */
    public record Drill(String name, String description, double durationS, double warmupS, List<Event> events,
                        Map<String, Double> expectMax) {
    }

    /** Its figures, units and what did not hold. */
    public record Result(String name, Map<String, Double> figures, Map<String, String> units, List<String> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    private static final List<String> KINDS = List.of("dr", "kill", "partition", "heal", "killEtcd", "restartEtcd",
            "feedLoss", "feedRestore");
    public static final Map<String, String> UNITS = Map.of("failover_ms", "ms", "stale_budget_s", "s",
            "fallback_s", "s", "import_above_limit_kws", "kW·s", "dr_shortfall_kws", "kW·s", "trips", "count");

    public static Drill load(Path file) throws IOException {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        Map<String, Object> y = new Yaml(new SafeConstructor(o)).load(Files.readString(file, StandardCharsets.UTF_8));
        String name = str(y.get("name"), "name", file);
        double duration = seconds(y.get("duration"), "duration", file);
        double warmup = y.containsKey("warmup") ? seconds(y.get("warmup"), "warmup", file) : 8;
        List<Event> events = new ArrayList<>();
        Object evs = y.get("events");
        if (evs instanceof List<?> l) {
            for (Object e : l) {
                if (!(e instanceof Map<?, ?> m) || !m.containsKey("at") || m.size() != 2) {
                    throw new IOException(file + ": events: each is {at: TIME, KIND: ARG}, got " + e);
                }
                double at = seconds(m.get("at"), "events.at", file);
                for (Map.Entry<?, ?> kv : m.entrySet()) {
                    if (!kv.getKey().equals("at")) {
                        String kind = String.valueOf(kv.getKey());
                        if (!KINDS.contains(kind)) {
                            throw new IOException(file + ": unknown event '" + kind + "'; one of " + KINDS);
                        }
                        events.add(new Event(at, kind, String.valueOf(kv.getValue())));
                    }
                }
            }
        }
        events.sort(java.util.Comparator.comparingDouble(Event::atS));
        Map<String, Double> expect = new LinkedHashMap<>();
        if (y.get("expect") instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> kv : m.entrySet()) {
                String k = String.valueOf(kv.getKey());
                if (!UNITS.containsKey(k)) {
                    throw new IOException(file + ": expect: unknown figure '" + k + "'; one of " + UNITS.keySet());
                }
                expect.put(k, ((Number) kv.getValue()).doubleValue());
            }
        }
        return new Drill(name, String.valueOf(y.getOrDefault("description", "")), duration, warmup, events, expect);
    }

    private static String str(Object o, String what, Path f) throws IOException {
        if (o == null) {
            throw new IOException(f + ": " + what + ": missing");
        }
        return String.valueOf(o);
    }

    private static double seconds(Object o, String what, Path f) throws IOException {
        try {
            return Quantity.parse(str(o, what, f), Quantity.Kind.TIME) / 1000;
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + what + ": " + e.getMessage());
        }
    }

    /**
     * Plays {@code drill} on {@code bench} (started, its appliances joined): waits until a coordinator has written
     * budgets (at most the warmup), then the events at their times, sampling every 100 ms.
     */
    public static Result play(CampusBench bench, Drill drill) throws Exception {
        long t0 = System.nanoTime();
        double warm = drill.warmupS();
        while (bench.coordinator() == null || bench.lineups().stream()
                .anyMatch(l -> l.campus() == null || l.campus().member().status().fallback())) {
            if ((System.nanoTime() - t0) / 1e9 > Math.max(warm, 30)) {
                return new Result(drill.name(), Map.of(), UNITS, List.of("no coordinator with every appliance on a "
                        + "budget within " + Math.max(warm, 30) + " s of the start"));
            }
            Thread.sleep(100); // the drill's clock: real time
        }
        Map<CampusBench.Lineup, double[]> base = new LinkedHashMap<>();
        for (CampusBench.Lineup l : bench.lineups()) {
            CampusNode n = l.campus();
            base.put(l, new double[] {n.member().status().staleS(), n.member().status().fallbackS()});
        }
        int trips0 = bench.trips();
        double limit = bench.campus().importLimitW();
        double dr = Double.NaN;
        double above = 0;
        double shortfall = 0;
        double failoverMs = 0;
        long killedAt = 0;
        String killed = null;
        int next = 0;
        long start = System.nanoTime();
        long last = start;
        List<String> failures = new ArrayList<>();
        while (true) {
            long now = System.nanoTime();
            double t = (now - start) / 1e9;
            double dt = (now - last) / 1e9;
            last = now;
            double importW = bench.importW();
            above += Math.max(0, importW - limit) / 1000 * dt;
            if (!Double.isNaN(dr)) {
                shortfall += Math.max(0, importW - dr) / 1000 * dt;
            }
            if (killed != null) {
                CampusBench.Lineup c = bench.coordinator();
                if (c != null && !c.member().id().equals(killed) && !c.campus().status().budgetsW().isEmpty()) {
                    failoverMs = Math.max(failoverMs, (now - killedAt) / 1e6);
                    log.info("drill {}: {} coordinates {} ms after {} was killed", drill.name(), c.member().id(),
                            Math.round((now - killedAt) / 1e6), killed);
                    killed = null;
                }
            }
            while (next < drill.events().size() && drill.events().get(next).atS() <= t) {
                Event e = drill.events().get(next++);
                log.info("drill {}: at {} s: {} {}", drill.name(), e.atS(), e.kind(), e.arg());
                switch (e.kind()) {
                    case "dr" -> {
                        dr = e.arg().equals("off") ? Double.NaN : Quantity.parse(e.arg(), Quantity.Kind.POWER);
                        bench.commitment(dr);
                    }
                    case "kill" -> {
                        CampusBench.Lineup l = e.arg().equals("coordinator") ? bench.coordinator() : bench.lineup(e.arg());
                        if (l == null) {
                            failures.add("at " + e.atS() + " s: no coordinator to kill");
                        } else {
                            if (l.campus().isCoordinator()) {
                                killed = l.member().id();
                                killedAt = System.nanoTime();
                            }
                            bench.kill(l);
                        }
                    }
                    case "partition" -> bench.partition(bench.lineup(e.arg()), true);
                    case "heal" -> bench.partition(bench.lineup(e.arg()), false);
                    case "killEtcd" -> bench.etcd().kill(Integer.parseInt(e.arg()));
                    case "restartEtcd" -> bench.etcd().restart(Integer.parseInt(e.arg()));
                    case "feedLoss", "feedRestore" -> {
                        String[] p = e.arg().split("/");
                        bench.lineup(p[0]).bench().plant().setFeedUp(p[1], e.kind().equals("feedRestore"));
                    }
                    default -> throw new IllegalStateException(e.kind());
                }
            }
            if (t >= drill.durationS()) {
                break;
            }
            Thread.sleep(100); // the drill's clock: real time
        }
        if (killed != null) {
            failures.add("no new coordinator wrote budgets after " + killed + " was killed");
            failoverMs = (System.nanoTime() - killedAt) / 1e6;
        }
        double stale = 0;
        double fallback = 0;
        for (Map.Entry<CampusBench.Lineup, double[]> b : base.entrySet()) {
            if (bench.dead(b.getKey())) {
                continue;
            }
            CampusNode n = b.getKey().campus();
            stale = Math.max(stale, n.member().status().staleS() - b.getValue()[0]);
            fallback = Math.max(fallback, n.member().status().fallbackS() - b.getValue()[1]);
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("failover_ms", (double) Math.round(failoverMs));
        figures.put("stale_budget_s", Math.round(stale * 10) / 10.0);
        figures.put("fallback_s", Math.round(fallback * 10) / 10.0);
        figures.put("import_above_limit_kws", Math.round(above * 10) / 10.0);
        figures.put("dr_shortfall_kws", Math.round(shortfall * 10) / 10.0);
        figures.put("trips", (double) (bench.trips() - trips0));
        for (Map.Entry<String, Double> x : drill.expectMax().entrySet()) {
            double v = figures.get(x.getKey());
            if (v > x.getValue()) {
                failures.add(String.format(Locale.ROOT, "%s = %s %s, expected at most %s", x.getKey(),
                        fmt(v), UNITS.get(x.getKey()), fmt(x.getValue())));
            }
        }
        return new Result(drill.name(), figures, UNITS, failures);
    }

    public static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
