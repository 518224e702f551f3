package io.headroom.hil.scenario;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A scenario run's {@code report.json} (figures, verdicts, feed losses, events, alarms and the sampled series)
 * and {@code report.html}: one self-contained page (inline SVG, no script, no CDN) with the verdict, the
 * figures, and plots of feed loads against their limits and ceilings, caps and power by priority class,
 * supercap SoC and the site's import, events marked on every plot.
 */
public final class ScenarioReport {

    private ScenarioReport() {
    }

    /** Writes both files into {@code dir} (created); returns the HTML file. */
    public static Path write(ScenarioRunner.Result r, Site site, Path dir) throws IOException {
        return write(r, site, dir, null);
    }

    /**
     * Writes both files into {@code dir} (created), with what the run needs to be reproduced (seed, commit, site file
     * and its SHA-256, data folder, anything restored from the journal) if {@code provenance} is given; returns the
     * HTML file.
     */
    public static Path write(ScenarioRunner.Result r, Site site, Path dir, ScenarioProvenance provenance) throws IOException {
        Files.createDirectories(dir);
        JsonObject json = json(r, site);
        if (provenance != null) {
            json.put("provenance", provenance.json());
        }
        Files.writeString(dir.resolve("report.json"), json.encodePrettily(), StandardCharsets.UTF_8);
        Path html = dir.resolve("report.html");
        Files.writeString(html, html(r, site, provenance), StandardCharsets.UTF_8);
        return html;
    }

    static JsonObject json(ScenarioRunner.Result r, Site site) {
        JsonObject figures = new JsonObject();
        r.figures().forEach((k, v) -> figures.put(k, new JsonObject().put("value", Double.isFinite(v) ? v : null)
                .put("unit", r.units().get(k))));
        JsonArray losses = new JsonArray();
        for (ScenarioRunner.Recovery x : r.recoveries()) {
            losses.add(new JsonObject().put("feed", x.feed()).put("atS", x.atS())
                    .put("backWithinLimitMs", Double.isFinite(x.backWithinMs()) ? x.backWithinMs() : null)
                    .put("settledMs", Double.isFinite(x.settledMs()) ? x.settledMs() : null));
        }
        JsonArray series = new JsonArray();
        for (ScenarioRunner.Sample s : r.samples()) {
            series.add(new JsonObject().put("t", round(s.t(), 2)).put("feedLoad", arr(s.feedFraction()))
                    .put("feedCeiling", arr(s.ceilingFraction())).put("feedUp", new JsonArray(toList(s.feedUp())))
                    .put("capKw", arr(s.classCapKw())).put("powerKw", arr(s.classPowerKw()))
                    .put("bankSocPct", arr(s.bankSocPct())).put("siteKw", round(s.siteKw(), 2)));
        }
        return new JsonObject().put("scenario", r.scenario().name()).put("description", r.scenario().description())
                .put("file", String.valueOf(r.scenario().file())).put("site", site.name())
                .put("started", r.started().toString()).put("durationS", r.scenario().durationS())
                .put("warmupS", r.scenario().warmupS()).put("passed", r.passed())
                .put("failures", new JsonArray(r.failures())).put("figures", figures).put("feedLosses", losses)
                .put("events", new JsonArray(r.eventLog())).put("alarms", new JsonArray(r.alarms()))
                .put("feeds", new JsonArray(site.feeds().stream().map(Feed::id).toList()))
                .put("classes", new JsonArray(List.of(Priority.values()).stream().map(Priority::label).toList()))
                .put("series", series);
    }

    private static JsonArray arr(double[] v) {
        JsonArray a = new JsonArray();
        for (double x : v) {
            a.add(Double.isFinite(x) ? round(x, 4) : null);
        }
        return a;
    }

    private static List<Boolean> toList(boolean[] b) {
        List<Boolean> l = new ArrayList<>(b.length);
        for (boolean x : b) {
            l.add(x);
        }
        return l;
    }

    private static double round(double v, int digits) {
        double k = Math.pow(10, digits);
        return Math.round(v * k) / k;
    }

    static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

    static String html(ScenarioRunner.Result r, Site site) {
        return html(r, site, null);
    }

    static String html(ScenarioRunner.Result r, Site site, ScenarioProvenance prov) {
        StringBuilder b = new StringBuilder(64 * 1024);
        String verdict = r.passed() ? "PASSED" : "FAILED";
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(r.scenario().name())).append(" — ").append(verdict).append("</title><style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:1.2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24}")
                .append("h1{font-size:1.35rem;margin:.2rem 0}.pass{color:#1a7f37}.fail{color:#cf222e}")
                .append("table{border-collapse:collapse;margin:.6rem 0}td,th{padding:3px 10px;border-bottom:1px solid #d0d7de;text-align:left}")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#57606a}")
                .append("svg{width:100%;height:auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:.3rem 0 1rem}")
                .append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}")
                .append("</style></head><body>");
        b.append("<h1>").append(esc(r.scenario().name())).append(" <span class=\"").append(r.passed() ? "pass" : "fail")
                .append("\">").append(verdict).append("</span></h1>");
        b.append("<div class=\"muted\">").append(esc(r.scenario().description())).append("</div>");
        b.append("<div class=\"muted\">site ").append(esc(site.name())).append(" · started ").append(r.started())
                .append(" · ").append(fmt(r.scenario().durationS())).append(" s (figures after ")
                .append(fmt(r.scenario().warmupS())).append(" s of warm-up) · ").append(esc(String.valueOf(r.scenario().file())))
                .append("</div>");
        if (prov != null) {
            b.append("<div class=\"muted\">seed ").append(prov.seed()).append(" · commit ").append(esc(prov.commit()))
                    .append(" · site file ").append(esc(prov.sitePath())).append(" (SHA-256 ").append(esc(prov.siteSha256()))
                    .append(") · data ").append(esc(prov.dataDir())).append(" · restored from the journal at start: ")
                    .append(prov.restoredOverrides().isEmpty() && prov.restoredMaintenance().isEmpty() ? "nothing"
                            : esc(prov.restoredOverrides().size() + " override(s) " + prov.restoredOverrides()
                            + ", feeds in maintenance " + prov.restoredMaintenance()))
                    .append("</div>");
        }
        if (!r.failures().isEmpty()) {
            b.append("<h2 class=\"fail\">What did not hold</h2><ul>");
            r.failures().forEach(f -> b.append("<li>").append(esc(f)).append("</li>"));
            b.append("</ul>");
        }
        b.append("<div class=\"grid\"><div><h2>Figures</h2><table>");
        for (Map.Entry<String, Double> e : r.figures().entrySet()) {
            b.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"num\">").append(fmt(e.getValue()))
                    .append("</td><td>").append(esc(r.units().get(e.getKey()))).append("</td></tr>");
        }
        b.append("</table></div><div><h2>Feed losses</h2><table><tr><th>feed</th><th>at</th><th>back within limit</th><th>settled</th></tr>");
        for (ScenarioRunner.Recovery x : r.recoveries()) {
            b.append("<tr><td>").append(esc(x.feed())).append("</td><td class=\"num\">").append(fmt(x.atS())).append(" s</td><td class=\"num\">")
                    .append(fmt(x.backWithinMs())).append(" ms</td><td class=\"num\">").append(fmt(x.settledMs())).append(" ms</td></tr>");
        }
        b.append("</table><h2>Events</h2><table>");
        r.eventLog().forEach(e -> b.append("<tr><td><code>").append(esc(e)).append("</code></td></tr>"));
        b.append("</table></div></div>");

        List<ScenarioRunner.Sample> s = r.samples();
        List<Double> marks = new ArrayList<>();
        for (Scenario.Event e : r.scenario().events()) {
            marks.add(e.atS());
        }
        List<Series> load = new ArrayList<>();
        for (int i = 0; i < site.feeds().size(); i++) {
            int k = i;
            load.add(new Series("feed " + site.feeds().get(i).id(), COLOURS[i % COLOURS.length], false,
                    s.stream().mapToDouble(x -> x.feedFraction()[k] * 100).toArray()));
            load.add(new Series("ceiling " + site.feeds().get(i).id(), COLOURS[i % COLOURS.length], true,
                    s.stream().mapToDouble(x -> x.ceilingFraction()[k] * 100).toArray()));
        }
        b.append("<h2>Feed load, % of each feed's limit (dashed: the ceiling regulation set; 100 %: the breaker's continuous limit)</h2>");
        b.append(svg(s, load, marks, "%", 100));
        List<Series> caps = new ArrayList<>();
        for (Priority p : Priority.values()) {
            int c = p.ordinal();
            caps.add(new Series(p.label() + " cap", COLOURS[c], true, s.stream().mapToDouble(x -> x.classCapKw()[c]).toArray()));
            caps.add(new Series(p.label() + " power", COLOURS[c], false, s.stream().mapToDouble(x -> x.classPowerKw()[c]).toArray()));
        }
        b.append("<h2>GPU caps (dashed) and power by priority class, kW</h2>").append(svg(s, caps, marks, "kW", Double.NaN));
        if (!s.isEmpty() && s.getFirst().bankSocPct().length > 0) {
            List<Series> soc = new ArrayList<>();
            for (int i = 0; i < s.getFirst().bankSocPct().length; i++) {
                int k = i;
                soc.add(new Series(site.supercaps().get(i).id(), COLOURS[i % COLOURS.length], false,
                        s.stream().mapToDouble(x -> x.bankSocPct()[k]).toArray()));
            }
            b.append("<h2>Supercap state of charge, %</h2>").append(svg(s, soc, marks, "%", Double.NaN));
        }
        b.append(String.format(Locale.ROOT, "<h2>Site import at the utility meter, kW</h2><div class=\"muted\">peak ramp %s MW/s · "
                        + "0.1–2 Hz band %s kW rms · 3–30 Hz band %s kW rms</div>",
                fmt(r.figures().get("peak_ramp_mw_per_s")), fmt(r.figures().get("band_0_1_2hz_rms_kw")),
                fmt(r.figures().get("band_3_30hz_rms_kw"))));
        b.append(svg(s, List.of(new Series("site", "#1b1f24", false, s.stream().mapToDouble(ScenarioRunner.Sample::siteKw).toArray())),
                marks, "kW", Double.NaN));
        double from = r.scenario().warmupS();
        double until = r.scenario().events().stream().filter(e -> e instanceof Scenario.FeedLoss
                || e instanceof Scenario.BreakerTrip).mapToDouble(Scenario.Event::atS).min().orElse(Double.POSITIVE_INFINITY);
        double[] siteKw = s.stream().filter(x -> x.t() >= from && x.t() < until)
                .mapToDouble(ScenarioRunner.Sample::siteKw).toArray();
        if (siteKw.length >= 64) {
            b.append(String.format(Locale.ROOT, "<h2>Site import spectrum, kW amplitude per frequency</h2><div class=\"muted\">"
                            + "the site import sampled every %.1f s from the warm-up's end to the first feed loss (%d samples, "
                            + "mean removed); shaded: 0.1–2 Hz · 0.1–2 Hz swing %s %% of the mean peak-to-peak · ramp "
                            + "%s kW/s over 1 s</div>", ScenarioRunner.SAMPLE_EVERY_S, siteKw.length,
                    fmt(r.figures().get("band_0p1_2hz_pp_pct")), fmt(r.figures().get("max_ramp_kw_per_s"))));
            b.append(spectrumSvg(siteKw, ScenarioRunner.SAMPLE_EVERY_S));
        }
        if (!r.alarms().isEmpty()) {
            b.append("<h2>Alarms raised</h2><ul>");
            r.alarms().forEach(a -> b.append("<li>").append(esc(a)).append("</li>"));
            b.append("</ul>");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    record Series(String name, String colour, boolean dashed, double[] y) {
    }

    /**
     * The one-sided amplitude spectrum of {@code y} (sampled every {@code dtS}, mean removed, Hann window, amplitude
     * corrected for it): {@code [frequencies Hz, amplitudes]} from the lowest bin to the Nyquist frequency.
     */
    static double[][] spectrum(double[] y, double dtS) {
        int n = y.length;
        double mean = java.util.Arrays.stream(y).average().orElse(0);
        int bins = n / 2;
        double[] f = new double[bins];
        double[] amp = new double[bins];
        for (int k = 1; k <= bins; k++) {
            double re = 0;
            double im = 0;
            for (int i = 0; i < n; i++) {
                double wv = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
                double a = 2 * Math.PI * k * i / n;
                re += (y[i] - mean) * wv * Math.cos(a);
                im -= (y[i] - mean) * wv * Math.sin(a);
            }
            f[k - 1] = k / (n * dtS);
            amp[k - 1] = 4 * Math.hypot(re, im) / n; // ×2 one-sided, ×2 the Hann window's coherent gain
        }
        return new double[][]{f, amp};
    }

    /** A line plot of {@link #spectrum}, frequency on the x axis, 0.1–2 Hz shaded. */
    static String spectrumSvg(double[] y, double dtS) {
        double[][] sp = spectrum(y, dtS);
        double[] f = sp[0];
        double[] a = sp[1];
        int w = 1000;
        int h = 220;
        int left = 56;
        int right = 10;
        int top = 10;
        int bottom = 40;
        double fmax = f[f.length - 1];
        double amax = 1e-9;
        for (double v : a) {
            amax = Math.max(amax, v);
        }
        double top0 = amax * 1.05;
        java.util.function.DoubleUnaryOperator px = x -> left + x / fmax * (w - left - right);
        java.util.function.DoubleUnaryOperator py = v -> top + (1 - v / top0) * (h - top - bottom);
        StringBuilder b = new StringBuilder();
        b.append("<svg viewBox=\"0 0 ").append(w).append(' ').append(h).append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">");
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fff3bf\"/>",
                px.applyAsDouble(0.1), top, px.applyAsDouble(Math.min(2, fmax)) - px.applyAsDouble(0.1), h - top - bottom));
        for (int k = 0; k <= 4; k++) {
            double v = top0 * k / 4;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                    left - 4, py.applyAsDouble(v) + 4, fmtPlain(v)));
        }
        for (int k = 0; k <= (int) Math.floor(fmax); k++) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%d Hz</text>",
                    px.applyAsDouble(k), h - bottom + 16, k));
        }
        b.append("<polyline fill=\"none\" stroke=\"#1b1f24\" stroke-width=\"1.2\" points=\"");
        for (int i = 0; i < f.length; i++) {
            b.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(f[i]), py.applyAsDouble(a[i])));
        }
        b.append("\"/></svg>");
        return b.toString();
    }

    /** A line plot of {@code series} over the samples' time, with events as vertical marks and an optional guide line. */
    static String svg(List<ScenarioRunner.Sample> samples, List<Series> series, List<Double> marks, String unit, double guide) {
        int w = 1000;
        int h = 260;
        int left = 56;
        int right = 10;
        int top = 10;
        int bottom = 48;
        double t0 = samples.isEmpty() ? 0 : samples.getFirst().t();
        double t1 = samples.isEmpty() ? 1 : Math.max(t0 + 1e-3, samples.getLast().t());
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series x : series) {
            for (double v : x.y()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (Double.isFinite(guide)) {
            lo = Math.min(lo, guide);
            hi = Math.max(hi, guide);
        }
        if (!Double.isFinite(lo)) {
            lo = 0;
            hi = 1;
        }
        lo = Math.min(0, lo);
        hi = hi + (hi - lo) * 0.05 + 1e-9;
        double flo = lo;
        double fhi = hi;
        java.util.function.DoubleUnaryOperator px = t -> left + (t - t0) / (t1 - t0) * (w - left - right);
        java.util.function.DoubleUnaryOperator py = v -> top + (1 - (v - flo) / (fhi - flo)) * (h - top - bottom);
        StringBuilder b = new StringBuilder();
        b.append("<svg viewBox=\"0 0 ").append(w).append(' ').append(h).append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">");
        for (int k = 0; k <= 4; k++) {
            double v = lo + (hi - lo) * k / 4;
            double y = py.applyAsDouble(v);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eaeef2\"/>", left, w - right, y, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">%s</text>",
                    left - 4, y + 4, fmt(v)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"11\" fill=\"#57606a\">%s</text>", esc(unit)));
        for (int k = 0; k <= 5; k++) {
            double t = t0 + (t1 - t0) * k / 5;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">%s s</text>",
                    px.applyAsDouble(t), h - bottom + 14, fmt(t)));
        }
        if (Double.isFinite(guide)) {
            double y = py.applyAsDouble(guide);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#cf222e\" stroke-width=\"1\"/>", left, w - right, y, y));
        }
        for (double m : marks) {
            double x = px.applyAsDouble(m);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#8c959f\" stroke-dasharray=\"2 3\"/>",
                    x, x, top, h - bottom));
        }
        for (Series x : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < samples.size() && i < x.y().length; i++) {
                double v = x.y()[i];
                if (!Double.isFinite(v)) {
                    continue;
                }
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(samples.get(i).t()), py.applyAsDouble(v)));
            }
            b.append("<polyline fill=\"none\" stroke=\"").append(x.colour()).append("\" stroke-width=\"1.4\"")
                    .append(x.dashed() ? " stroke-dasharray=\"5 3\"" : "").append(" points=\"").append(pts).append("\"><title>")
                    .append(esc(x.name())).append("</title></polyline>");
        }
        int lx = left;
        for (Series x : series) {
            if (x.dashed() && series.size() > 4) {
                continue; // the legend names the solid lines; their dashed twins share the colour
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>", lx, h - 14, x.colour()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#1b1f24\">%s</text>", lx + 16, h - 10, esc(x.name())));
            lx += 16 + 7 * x.name().length() + 14;
        }
        b.append("</svg>");
        return b.toString();
    }

    static String fmt(Double v) {
        if (v == null || !Double.isFinite(v)) {
            return v != null && v == Double.POSITIVE_INFINITY ? "never" : "–";
        }
        double a = Math.abs(v);
        return a != 0 && a < 0.01 ? String.format(Locale.ROOT, "%.2e", v)
                : v == Math.rint(v) && a < 1e9 ? String.valueOf((long) (double) v)
                : String.format(Locale.ROOT, a < 10 ? "%.3f" : a < 1000 ? "%.1f" : "%.0f", v);
    }

    /** A figure for a {@code NAME VALUE UNIT} line: plain decimal, NaN for none, inf for never. */
    public static String fmtPlain(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return "inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
