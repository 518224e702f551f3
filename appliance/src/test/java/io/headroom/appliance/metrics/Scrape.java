package io.headroom.appliance.metrics;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.grid.GridLink;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.OptDecision;
import io.headroom.testsupport.Sites;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Helpers for the metrics tests: the example site, a stub VEN, and the Prometheus text parsed into samples. */
final class Scrape {

    private Scrape() {
    }

    static Site exampleSite() throws Exception {
        return SiteLoader.load(Sites.example4Feed());
    }

    /** A VEN that says what it is told. */
    static GridLink ven(String version, Supplier<GridLink.Health> health) {
        return new GridLink() {
            @Override
            public String version() {
                return version;
            }

            @Override
            public void start() {
            }

            @Override
            public List<OptDecision> decisions() {
                return List.of();
            }

            @Override
            public Map<String, Object> status() {
                return Map.of();
            }

            @Override
            public Health health() {
                return health.get();
            }

            @Override
            public void close() {
            }
        };
    }

    /** Every optional part registered: what the appliance exposes when it runs with a VEN. */
    static ApplianceMetrics full(Site site, Supplier<SiteState> state, Journal journal, Clock utc) {
        var buses = io.headroom.appliance.measure.ModbusBuses.of(site, utc, true); // never started
        return new ApplianceMetrics(site, state, journal).modbus(buses)
                .grid(ven("3.1", () -> new GridLink.Health(true, Instant.now(), 0)), new CommitmentBook(), utc)
                .protection(() -> 0, site.nodes().size());
    }

    /** Sample name with labels (as written) → value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String v = line.substring(sp + 1);
            out.put(line.substring(0, sp), switch (v) {
                case "NaN" -> Double.NaN;
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            });
        }
        return out;
    }

    /** The sample names (metric families with their _bucket/_count/_sum/_total suffixes), without labels. */
    static Set<String> names(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String key : samples(text).keySet()) {
            int brace = key.indexOf('{');
            out.add(brace < 0 ? key : key.substring(0, brace));
        }
        return out;
    }

    /** The value of the one sample named {@code name} whose labels include every {@code label="value"} given. */
    static double value(Map<String, Double> samples, String name, String... labels) {
        Double found = null;
        for (var e : samples.entrySet()) {
            String k = e.getKey();
            int brace = k.indexOf('{');
            if (!(brace < 0 ? k : k.substring(0, brace)).equals(name)) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= k.contains(l);
            }
            if (all) {
                if (found != null) {
                    throw new AssertionError("more than one sample " + name + " with " + List.of(labels));
                }
                found = e.getValue();
            }
        }
        if (found == null) {
            throw new AssertionError("no sample " + name + " with " + List.of(labels) + " in " + samples.keySet());
        }
        return found;
    }
}
