package io.headroom.appliance.site;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;

/**
 * The checks and conversions the section readers share. A section reader reads one section of a site file (format:
 * {@code sites/README.md}) into what it declares, reporting every problem to the {@link SiteReading}'s problems and
 * going on; later sections read what earlier ones declared (a rack's group, a meter's bus), and {@link CrossChecks}
 * runs the rules that span sections once all are read.
 */
abstract class SectionReader {
    protected final Problems p;
    private final Path baseDir;

    SectionReader(SiteReading ctx) {
        this.p = ctx.problems();
        this.baseDir = ctx.baseDir();
    }

    /** A path from the site file, resolved against the file's folder. */
    final Path path(String s) {
        return baseDir.resolve(s.strip()).normalize();
    }

    // ---- checks ----

    final void positive(Val<? extends Number> v) {
        if (v != null && v.ok() && v.value().doubleValue() <= 0) {
            p.at(v.node(), v.field(), "must be greater than 0, got " + got(v));
        }
    }

    final void notNegative(Val<? extends Number> v) {
        if (v != null && v.ok() && v.value().doubleValue() < 0) {
            p.at(v.node(), v.field(), "must not be negative, got " + got(v));
        }
    }

    final void fraction(Val<Double> v) {
        if (v != null && v.ok() && (v.value() <= 0 || v.value() > 1)) {
            p.at(v.node(), v.field(), "must be in (0, 1], got " + got(v));
        }
    }

    final void unitId(Val<Integer> v) {
        if (v != null && v.ok() && (v.value() < 1 || v.value() > 247)) {
            p.at(v.node(), v.field(), "Modbus unit id must be 1..247, got " + got(v));
        }
    }

    final void unique(List<Val<String>> ids, String what) {
        Map<String, Val<String>> first = new HashMap<>();
        for (Val<String> v : ids) {
            if (v == null || !v.ok()) {
                continue;
            }
            Val<String> f = first.putIfAbsent(v.value(), v);
            if (f != null) {
                p.at(v.node(), v.field(), "duplicate " + what + " id '" + v.value() + "' (first at line "
                        + f.line() + ")");
            }
        }
    }

    // ---- conversions and formats ----

    /** The value, or {@code dflt} when absent or invalid (invalid values have been reported). */
    static <T> T or(Val<T> v, T dflt) {
        return v == null || v.value() == null ? dflt : v.value();
    }

    static <T> T value(Val<T> v) {
        return or(v, null);
    }

    /** The value as written, quoted when it was a string in the file: {@code "0 A"}, {@code 0}, {@code 1.2}. */
    static String got(Val<?> v) {
        return v.node() instanceof ScalarNode s && Tag.STR.equals(s.getTag()) ? "\"" + v.raw() + "\"" : v.raw();
    }

    /** Formats a value in base units for messages: {@code 200 W}, {@code 0.5 A}. */
    static String fmt(double v, String unit) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString() + " " + unit;
    }

    static SiteYaml.Conv<String> oneOf(List<String> allowed) {
        return (p, n, field) -> {
            String s = SiteYaml.scalar(n);
            if (s != null && allowed.contains(s.strip())) {
                return s.strip();
            }
            String list = allowed.size() == 2 ? allowed.get(0) + " or " + allowed.get(1)
                    : String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.getLast();
            p.at(n, field, "expected " + list + ", got " + SiteYaml.describe(n));
            return null;
        };
    }
}
