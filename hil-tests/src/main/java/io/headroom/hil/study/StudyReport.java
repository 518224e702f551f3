package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The study as one self-contained HTML file ({@code ./headroom study --report DIR} writes
 * {@code DIR/study-report.html}: no script, no external style or font, plots as inline SVG): how it was run, the
 * baselines with their 95 % intervals, each seed's figures, the counts every seed's search evaluated (nodes against
 * compute lost, trips and UPS transfers) and the monotonicity probes.
 */
public final class StudyReport {

    /** The report's file name in its folder. */
    public static final String FILE = "study-report.html";

    private StudyReport() {
    }

    /** One baseline row: how many nodes, Headroom's ratio over it per seed, its trips and transfers at its count. */
    private record Row(String name, String what, double[] nodes, double[] ratio, int trips, int transfers) {
    }

    /** Writes {@code dir/study-report.html} (creating {@code dir}) and returns its path. */
    public static Path write(Path dir, String command, List<CapacityStudy.Result> rs, List<ControlBaselines.Result> xs)
            throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        Files.writeString(file, html(command, rs, xs), StandardCharsets.UTF_8);
        return file;
    }

    /** The report's text. */
    public static String html(String command, List<CapacityStudy.Result> rs, List<ControlBaselines.Result> xs) {
        CapacityStudy.Result f = rs.getFirst();
        StudyParams p = f.params();
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Capacity study: ")
                .append(esc(f.site().name())).append("</title>\n<style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:.2em .5em;")
                .append("text-align:right}th{background:#f2f2f2}td.l,th.l{text-align:left}code{background:#f4f4f4;")
                .append("padding:0 .2em}.bad{color:#b00}.ok{color:#070}svg{background:#fff;border:1px solid #ddd}")
                .append("</style></head><body>\n");
        b.append("<h1>Capacity study of ").append(esc(f.site().name())).append("</h1>\n");
        b.append("<p>How many GPU nodes the hall hosts with zero breaker trips and zero UPS transfers across every ")
                .append("single-feed-loss drill, with Headroom and with each baseline, on the same site, workload seeds ")
                .append("and loss times. The file's hall has ").append(f.siteNodes()).append(" nodes.</p>\n");
        b.append("<h2>How it was run</h2>\n<p><code>").append(esc(command)).append("</code></p>\n<ul>");
        b.append(li("seeds %d to %d (%d seeds), each a whole study; every ratio the mean over the seeds with a 95 %% "
                + "interval from Student's t", f.seed(), rs.getLast().seed(), rs.size()));
        b.append(li("%.0f s warm-up, %.0f s of normal operation counted, %d drills per feed per count (loss at a random "
                        + "time in the first %.0f s, %.0f s simulated after it, the outage's %.0f s extrapolated)",
                p.warmupS(), p.normalS(), p.drills(), p.lossWindowS(), p.postLossS(), p.outageS()));
        b.append(li("fast path %d ms, cap latency %d ms, GPU settling %.0f ms, telemetry %d ms average, meters %d ms",
                p.fastPathMs(), p.capLatencyMs(), p.settleMs(), p.telemetryWindowMs(), p.meterWindowMs()));
        b.append(li("compute budgets: %.2f %% flexible, %.2f %% standard, %.2f %% critical", p.maxFlexibleLossPct(),
                p.maxStandardLossPct(), p.maxCriticalLossPct()));
        b.append(li("UPS: %s", f.site().feeds().stream().anyMatch(x -> x.ups() != null)
                ? "the site file's modules (feeds[].ups)" : p.ups().enabled() ? String.format(Locale.ROOT,
                "a typical module behind each feed rated %.2f x its limit", p.ups().sizing()) : "none"));
        if (!xs.isEmpty()) {
            b.append(li("slow_capping: the same regulation, caps through the BMC in %d ms, nothing armed at a loss",
                    xs.getFirst().slowCapLatencyMs()));
        }
        b.append("</ul>\n");

        List<Row> rows = rows(rs, xs);
        b.append("<h2>Baselines</h2>\n<table><tr><th class=l>baseline</th><th class=l>what</th><th>nodes (mean)</th>")
                .append("<th>Headroom over it</th><th>95 % interval</th><th>trips</th><th>UPS transfers</th></tr>\n");
        for (Row r : rows) {
            StudySeries.Interval n = StudySeries.ci95(r.nodes());
            StudySeries.Interval q = StudySeries.ci95(r.ratio());
            b.append(String.format(Locale.ROOT, "<tr><td class=l><code>%s</code></td><td class=l>%s</td><td>%.1f</td>"
                            + "<td>%.3f ×</td><td>%s</td><td>%d</td><td>%d</td></tr>%n", esc(r.name()), esc(r.what()),
                    n.mean(), q.mean(), interval(q), r.trips(), r.transfers()));
        }
        StudySeries.Interval h = StudySeries.over(rs, CapacityStudy.Result::headroomNodes);
        b.append(String.format(Locale.ROOT, "<tr><th class=l>Headroom</th><td class=l>zero trips and transfers, compute "
                        + "within the budgets</td><td>%.1f</td><td></td><td></td><td>%d</td><td>%d</td></tr></table>%n",
                h.mean(), sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().trips()),
                sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().upsTransfers())));
        b.append(ratioPlot(rows));

        b.append("<h2>Each seed</h2>\n<table><tr><th>seed</th>");
        for (Row r : rows) {
            b.append("<th>").append(esc(r.name())).append("</th>");
        }
        b.append("<th>Headroom</th><th>zero-trip count</th><th>flexible lost</th><th>standard lost</th>")
                .append("<th>critical lost</th><th>flexible performance lost</th><th>trips</th><th>UPS transfers</th>")
                .append("<th>UPS overload s</th></tr>\n");
        for (int i = 0; i < rs.size(); i++) {
            CapacityStudy.Result r = rs.get(i);
            b.append("<tr><td>").append(r.seed()).append("</td>");
            for (Row row : rows) {
                b.append(String.format(Locale.ROOT, "<td>%.0f</td>", row.nodes()[i]));
            }
            CapacityStudy.Evaluation a = r.atHeadroom();
            b.append(String.format(Locale.ROOT, "<td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                            + "<td>%d</td><td>%d</td><td>%.1f</td></tr>%n", r.headroomNodes(), r.safeNodes(),
                    lost(a, Priority.FLEXIBLE), lost(a, Priority.STANDARD), lost(a, Priority.CRITICAL),
                    a == null ? "-" : String.format(Locale.ROOT, "%.2f %%",
                            a.normal().performanceLostFraction(Priority.FLEXIBLE) * 100),
                    a == null ? 0 : a.trips(), a == null ? 0 : a.upsTransfers(), a == null ? 0 : a.upsOverloadS()));
        }
        b.append("</table>\n");

        if (!xs.isEmpty()) {
            b.append("<h2>slow_capping at Headroom's densities</h2>\n<p>The same regulation without the fast path, run ")
                    .append("with every drill at Headroom's count and at its zero-trip count: what those halls do when ")
                    .append("the caps come through the BMC.</p>\n<table><tr><th>seed</th><th>Headroom</th><th>trips</th>")
                    .append("<th>UPS transfers</th><th>UPS overload s</th><th>worst UPS exposure</th><th>zero-trip count")
                    .append("</th><th>trips</th><th>UPS transfers</th><th>UPS overload s</th><th>worst UPS exposure</th></tr>\n");
            for (ControlBaselines.Result x : xs) {
                b.append("<tr><td>").append(x.seed()).append("</td><td>").append(x.headroomNodes()).append("</td>")
                        .append(cells(x.slowAtHeadroom())).append("<td>").append(x.safeNodes()).append("</td>")
                        .append(cells(x.slowAtSafe())).append("</tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Every count evaluated</h2>\n<p>Headroom's search (binary search, then the probes above each ")
                .append("answer), every seed: flexible compute lost in normal operation against the node count; a ")
                .append("filled circle passed (zero trips and transfers, every class within its budget), a ring held ")
                .append("with zero trips but over a budget, a cross tripped or transferred.</p>\n");
        b.append(searchPlot(rs, p));
        b.append("<table><tr><th>seed</th><th>nodes</th><th>trips</th><th>UPS transfers</th><th>flexible lost</th>")
                .append("<th>standard lost</th><th>critical lost</th><th class=l>verdict</th></tr>\n");
        for (CapacityStudy.Result r : rs) {
            List<CapacityStudy.Evaluation> es = new ArrayList<>(r.searched().stream().filter(CapacityStudy.Evaluation::headroom).toList());
            es.sort(java.util.Comparator.comparingInt(CapacityStudy.Evaluation::nodes));
            for (CapacityStudy.Evaluation e : es) {
                b.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td>"
                                + "<td>%s</td><td class=\"l %s\">%s</td></tr>%n", r.seed(), e.nodes(), e.trips(),
                        e.upsTransfers(), lost(e, Priority.FLEXIBLE), lost(e, Priority.STANDARD),
                        lost(e, Priority.CRITICAL), e.passed() ? "ok" : "bad", esc(e.why())));
            }
        }
        b.append("</table>\n<h2>Monotonicity</h2>\n");
        List<String> inv = rs.stream().flatMap(r -> r.monotonicity().stream()).toList();
        if (inv.isEmpty()) {
            b.append("<p class=ok>No seed's search was found non-monotone: among every count evaluated (the search's ")
                    .append("and the probes'), no smaller count failed where a larger one passed.</p>\n");
        } else {
            b.append("<ul>");
            for (String s : inv) {
                b.append("<li class=bad>").append(esc(s)).append("</li>");
            }
            b.append("</ul>\n");
        }
        return b.append("</body></html>\n").toString();
    }

    private static List<Row> rows(List<CapacityStudy.Result> rs, List<ControlBaselines.Result> xs) {
        List<Row> rows = new ArrayList<>();
        rows.add(row(rs, "nameplate", "static N-1, every GPU at its default limit", CapacityStudy.Result::staticNodes,
                r -> r.staticCheck() == null ? 0 : r.staticCheck().trips(),
                r -> r.staticCheck() == null ? 0 : r.staticCheck().upsTransfers()));
        rows.add(row(rs, "fixed_cap", "each class at a fixed cap within its budget, N-1", CapacityStudy.Result::fixedCapNodes,
                r -> r.fixedCapCheck() == null ? 0 : r.fixedCapCheck().trips(),
                r -> r.fixedCapCheck() == null ? 0 : r.fixedCapCheck().upsTransfers()));
        rows.add(row(rs, "measured_peak", "N-1 on the p99.9 of the uncapped draw", CapacityStudy.Result::measuredPeakNodes,
                r -> r.measuredPeakCheck() == null ? 0 : r.measuredPeakCheck().trips(),
                r -> r.measuredPeakCheck() == null ? 0 : r.measuredPeakCheck().upsTransfers()));
        if (!xs.isEmpty()) {
            Map<Long, ControlBaselines.Result> by = new LinkedHashMap<>();
            xs.forEach(x -> by.put(x.seed(), x));
            double[] slowN = rs.stream().mapToDouble(r -> by.get(r.seed()).slowCappingNodes()).toArray();
            double[] slowQ = rs.stream().mapToDouble(r -> r.unlockVs(by.get(r.seed()).slowCappingNodes())).toArray();
            rows.add(new Row("slow_capping", "the same regulation, caps through the BMC, no fast path", slowN, slowQ,
                    xs.stream().mapToInt(x -> x.slowCheck() == null ? 0 : x.slowCheck().trips()).sum(),
                    xs.stream().mapToInt(x -> x.slowCheck() == null ? 0 : x.slowCheck().upsTransfers()).sum()));
            double[] noN = rs.stream().mapToDouble(r -> by.get(r.seed()).noSupercapsNodes()).toArray();
            double[] noQ = rs.stream().mapToDouble(r -> r.unlockVs(by.get(r.seed()).noSupercapsNodes())).toArray();
            rows.add(new Row("no_supercaps", "Headroom without banks (the plant has none: Headroom's own count)", noN,
                    noQ, sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().trips()),
                    sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().upsTransfers())));
            double[] bestN = rs.stream().mapToDouble(r -> by.get(r.seed()).bestBaselineNodes()).toArray();
            double[] bestQ = rs.stream().mapToDouble(r -> r.unlockVs(by.get(r.seed()).bestBaselineNodes())).toArray();
            rows.add(new Row("best_baseline", "the best of the baselines without the fast path that held", bestN, bestQ,
                    0, 0));
        } else {
            rows.add(row(rs, "best_other", "the best of the static baselines that held", CapacityStudy.Result::bestOtherNodes,
                    r -> 0, r -> 0));
        }
        return rows;
    }

    private static Row row(List<CapacityStudy.Result> rs, String name, String what, ToIntFunction<CapacityStudy.Result> n,
                           ToIntFunction<CapacityStudy.Result> trips, ToIntFunction<CapacityStudy.Result> transfers) {
        return new Row(name, what, rs.stream().mapToDouble(n::applyAsInt).toArray(),
                rs.stream().mapToDouble(r -> r.unlockVs(n.applyAsInt(r))).toArray(), sum(rs, trips), sum(rs, transfers));
    }

    /** Headroom's ratio over each baseline: a bar at the mean, whiskers at the 95 % interval. */
    private static String ratioPlot(List<Row> rows) {
        int w = 640;
        int rowH = 28;
        int left = 130;
        int hgt = rows.size() * rowH + 40;
        double max = 1;
        for (Row r : rows) {
            StudySeries.Interval q = StudySeries.ci95(r.ratio());
            max = Math.max(max, Double.isFinite(q.high()) ? q.high() : q.mean());
        }
        max = Math.ceil(max * 4) / 4 + 0.25;
        double scale = (w - left - 20) / max;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                + "aria-label=\"Headroom's count over each baseline\">%n", w, hgt, w, hgt));
        for (double t = 0; t <= max + 1e-9; t += 0.25) {
            double x = left + t * scale;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%.2f</text>%n", x, x, hgt - 25,
                    Math.abs(t - 1) < 1e-9 ? "#888" : "#eee", x, hgt - 10, t));
        }
        for (int i = 0; i < rows.size(); i++) {
            StudySeries.Interval q = StudySeries.ci95(rows.get(i).ratio());
            double y = 14 + i * rowH;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%s</text>",
                    left - 6, y + 13, esc(rows.get(i).name())));
            if (Double.isFinite(q.mean())) {
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"#5b8fd1\"/>"
                        + "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.3f</text>", left, y, q.mean() * scale,
                        left + q.mean() * scale + 4, y - 1, q.mean()));
            }
            if (Double.isFinite(q.low()) && Double.isFinite(q.high())) {
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
                                + "stroke-width=\"2\"/>", left + q.low() * scale, y + 9, left + q.high() * scale, y + 9));
            }
            b.append('\n');
        }
        return b.append("</svg>\n<p>Headroom's node count over each baseline's, per seed then averaged; the whiskers are ")
                .append("the 95 % interval (none with one seed).</p>\n").toString();
    }

    /** Every Headroom count evaluated: flexible compute lost against nodes, by verdict. */
    private static String searchPlot(List<CapacityStudy.Result> rs, StudyParams p) {
        int w = 640;
        int hgt = 300;
        int left = 50;
        int bottom = 40;
        List<CapacityStudy.Evaluation> es = rs.stream().flatMap(r -> r.searched().stream())
                .filter(CapacityStudy.Evaluation::headroom).toList();
        if (es.isEmpty()) {
            return "";
        }
        int lo = es.stream().mapToInt(CapacityStudy.Evaluation::nodes).min().orElse(0);
        int hi = es.stream().mapToInt(CapacityStudy.Evaluation::nodes).max().orElse(1);
        double maxLost = Math.max(p.maxFlexibleLossPct() * 1.5,
                es.stream().mapToDouble(e -> e.normal().lostFraction(Priority.FLEXIBLE) * 100).max().orElse(1));
        double sx = (w - left - 20.0) / Math.max(1, hi - lo);
        double sy = (hgt - bottom - 10.0) / maxLost;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                + "aria-label=\"compute lost against nodes\">%n", w, hgt, w, hgt));
        double budgetY = hgt - bottom - p.maxFlexibleLossPct() * sy;
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#b00\" "
                        + "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#b00\">flexible "
                        + "budget %.2f %%</text>%n", left, budgetY, w - 10, budgetY, left + 4, budgetY - 3,
                p.maxFlexibleLossPct()));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
                        + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%d</text><text x=\"%d\" y=\"%d\" font-size=\"11\" "
                        + "text-anchor=\"end\">%d nodes</text><text x=\"4\" y=\"14\" font-size=\"11\">%.1f %% lost</text>%n",
                left, hgt - bottom, w - 10, hgt - bottom, left, hgt - bottom + 15, lo, w - 10, hgt - bottom + 15, hi,
                maxLost));
        for (CapacityStudy.Evaluation e : es) {
            double x = left + (e.nodes() - lo) * sx;
            double y = hgt - bottom - Math.min(maxLost, e.normal().lostFraction(Priority.FLEXIBLE) * 100) * sy;
            if (!e.safe()) {
                b.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"#b00\" stroke-width=\"2\"/>",
                        x - 4, y - 4));
            } else {
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#070\"/>",
                        x, y, e.passed() ? "#070" : "none"));
            }
        }
        return b.append("\n</svg>\n").toString();
    }

    private static String cells(CapacityStudy.Evaluation e) {
        if (e == null) {
            return "<td>-</td><td>-</td><td>-</td><td>-</td>";
        }
        return String.format(Locale.ROOT, "<td>%d</td><td class=\"%s\">%d</td><td>%.1f</td><td>%.4f</td>", e.trips(),
                e.upsTransfers() > 0 ? "bad" : "ok", e.upsTransfers(), e.upsOverloadS(), e.upsExposure());
    }

    private static String lost(CapacityStudy.Evaluation e, Priority c) {
        return e == null ? "-" : String.format(Locale.ROOT, "%.2f %%", e.normal().lostFraction(c) * 100);
    }

    private static String interval(StudySeries.Interval q) {
        return Double.isFinite(q.low()) ? String.format(Locale.ROOT, "%.3f – %.3f", q.low(), q.high()) : "(one seed)";
    }

    private static int sum(List<CapacityStudy.Result> rs, ToIntFunction<CapacityStudy.Result> f) {
        return rs.stream().mapToInt(f).sum();
    }

    private static String li(String fmt, Object... args) {
        return "<li>" + esc(String.format(Locale.ROOT, fmt, args)) + "</li>";
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
