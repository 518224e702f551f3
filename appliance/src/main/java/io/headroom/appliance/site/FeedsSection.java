package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.THERMAL_MAGNETIC;
import static io.headroom.appliance.site.SiteYaml.quantity;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code feeds:} the electrical feeds, their ratings and trip curves. */
final class FeedsSection extends SectionReader {
    static final List<String> FEED_KEYS = List.of("id", "rating", "derating", "voltage", "phases",
            "powerFactor", "tripCurve", "meter", "ups");
    static final List<String> CURVE_KEYS = List.of("points", "instantaneous");
    static final List<String> UPS_KEYS = List.of("id", "rating", "overload", "responseTime");

    record FeedD(Node at, String path, Val<String> id, Double ratingA, Double derating, Double voltageV,
                 Integer phases, Double powerFactor, TripCurve curve, Val<String> meter, UpsModule ups) {
    }

    /** The UPS modules' ids, for uniqueness. */
    final List<Val<String>> upsIds = new ArrayList<>();

    final List<FeedD> feeds = new ArrayList<>();
    final Set<String> feedIds = new LinkedHashSet<>();
    boolean feedSectionRead;

    /** Whether {@code id} names no feed of the feeds section (when it was read; otherwise nothing is checked). */
    boolean lacks(String id) {
        return feedSectionRead && !feedIds.contains(id);
    }

    FeedsSection(SiteReading ctx) {
        super(ctx);
    }

    void read(MapReader top) {
        List<Node> list = top.list("feeds", true);
        if (list == null) {
            return;
        }
        feedSectionRead = true;
        if (list.isEmpty()) {
            p.at(top.value("feeds"), "feeds", "needs at least one feed");
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "feeds[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a feed", FEED_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            if (id != null && id.ok()) {
                feedIds.add(id.value());
            }
            Val<Double> rating = m.get("rating", quantity(Kind.CURRENT), true);
            positive(rating);
            Val<Double> derating = m.get("derating", SiteYaml::number, false);
            fraction(derating);
            Val<Double> voltage = m.get("voltage", quantity(Kind.VOLTAGE), true);
            positive(voltage);
            Val<Integer> phases = m.get("phases", SiteYaml::integer, true);
            if (phases != null && phases.ok() && phases.value() != 1 && phases.value() != 3) {
                p.at(phases.node(), phases.field(), "must be 1 or 3, got " + got(phases));
            }
            Val<Double> pf = m.get("powerFactor", SiteYaml::number, true);
            fraction(pf);
            Node curveNode = m.value("tripCurve");
            TripCurve curve = curveNode == null ? TripCurve.thermalMagneticDefault()
                    : tripCurve(curveNode, m.field("tripCurve"));
            Val<String> meter = m.get("meter", SiteYaml::string, true);
            Node upsNode = m.value("ups");
            UpsModule ups = upsNode == null ? null : ups(upsNode, m.field("ups"));
            feeds.add(new FeedD(m.node(), path, id, value(rating), or(derating, 1.0),
                    value(voltage), value(phases), value(pf), curve, meter, ups));
        }
        unique(upsIds, "UPS");
    }

    /**
     * {@code ups: {id, rating, overload: {points: [[ratio, time], ...], instantaneous: ratio}, responseTime}}: the UPS
     * module on a feed's path. Every problem is reported with its place; null when any.
     */
    private UpsModule ups(Node n, String field) {
        MapReader m = MapReader.open(p, n, field, "a UPS module {id, rating, overload, responseTime}", UPS_KEYS);
        if (m == null) {
            return null;
        }
        Val<String> id = m.get("id", SiteYaml::string, true);
        upsIds.add(id);
        Val<Double> rating = m.get("rating", quantity(Kind.POWER), true);
        positive(rating);
        Node curveNode = m.value("overload");
        TripCurve curve = null;
        if (curveNode == null) {
            m.missing("overload", "missing required key: the UPS's overload curve {points: [[ratio, time], ...], "
                    + "instantaneous: ratio}, e.g. {points: [[1.25, 10 min], [1.5, 60 s], [2.0, 200 ms]], "
                    + "instantaneous: 2.5}");
        } else if (SiteYaml.scalar(curveNode) != null) {
            p.at(curveNode, m.field("overload"), "a UPS's overload curve is a map {points: [[ratio, time], ...], "
                    + "instantaneous: ratio}, not a name");
        } else {
            curve = tripCurve(curveNode, m.field("overload"));
        }
        Val<Double> response = m.get("responseTime", quantity(Kind.TIME), false);
        positive(response);
        if (id == null || !id.ok() || rating == null || !rating.ok() || rating.value() <= 0 || curve == null
                || (response != null && (!response.ok() || response.value() <= 0))) {
            return null;
        }
        double responseS = response == null ? UpsModule.DEFAULT_RESPONSE_S : response.value() / 1000;
        return new UpsModule(id.value(), rating.value(), curve, responseS);
    }

    private TripCurve tripCurve(Node n, String field) {
        String name = SiteYaml.scalar(n);
        if (name != null) {
            if (name.strip().equals(THERMAL_MAGNETIC)) {
                return TripCurve.thermalMagneticDefault();
            }
            p.at(n, field, "unknown trip curve '" + name + "'; use " + THERMAL_MAGNETIC
                    + " or a map {points: [[ratio, time], ...], instantaneous: ratio}");
            return null;
        }
        MapReader m = MapReader.open(p, n, field, "a trip curve name or map", CURVE_KEYS);
        if (m == null) {
            return null;
        }
        List<Node> items = m.list("points", true);
        Val<Double> inst = m.get("instantaneous", SiteYaml::number, true);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            p.at(m.value("points"), m.field("points"), "needs at least one point");
            return null;
        }
        List<TripCurve.Point> points = new ArrayList<>();
        boolean ok = true;
        Val<Double> prevRatio = null;
        Val<Double> prevSeconds = null;
        for (int j = 0; j < items.size(); j++) {
            String pf = m.field("points") + "[" + j + "]";
            List<Node> pair = SiteYaml.list(p, items.get(j), pf);
            if (pair == null) {
                ok = false;
                continue;
            }
            if (pair.size() != 2) {
                p.at(items.get(j), pf, "expected [ratio, time], got " + pair.size()
                        + (pair.size() == 1 ? " value" : " values"));
                ok = false;
                continue;
            }
            Val<Double> ratio = new Val<>(SiteYaml.number(p, pair.get(0), pf + "[0]"), pair.get(0), pf + "[0]");
            Val<Double> secs = new Val<>(curveSeconds(pair.get(1), pf + "[1]"), pair.get(1), pf + "[1]");
            if (ratio.ok() && ratio.value() < 1) {
                p.at(ratio.node(), ratio.field(), "ratio is a multiple of the rating and must be at least 1, got "
                        + got(ratio));
                ok = false;
            }
            if (secs.ok() && secs.value() <= 0) {
                p.at(secs.node(), secs.field(), "time must be greater than 0, got " + got(secs));
                ok = false;
            }
            if (ratio.ok() && prevRatio != null && prevRatio.ok() && ratio.value() <= prevRatio.value()) {
                p.at(ratio.node(), ratio.field(), "ratios must increase: " + ratio.raw() + " after "
                        + prevRatio.raw());
                ok = false;
            }
            if (secs.ok() && prevSeconds != null && prevSeconds.ok() && secs.value() > prevSeconds.value()) {
                p.at(secs.node(), secs.field(), "times must not increase: " + secs.raw() + " after "
                        + prevSeconds.raw());
                ok = false;
            }
            ok &= ratio.ok() && secs.ok();
            if (ratio.ok() && secs.ok()) {
                points.add(new TripCurve.Point(ratio.value(), secs.value()));
            }
            prevRatio = ratio;
            prevSeconds = secs;
        }
        if (inst != null && inst.ok() && prevRatio != null && prevRatio.ok()
                && inst.value() <= prevRatio.value()) {
            p.at(inst.node(), inst.field(), "instantaneous ratio " + inst.raw()
                    + " must be above the last point's ratio " + prevRatio.raw());
            ok = false;
        }
        return ok && inst != null && inst.ok() ? new TripCurve(points, inst.value()) : null;
    }

    /** Trip-curve time in seconds: {@code inf} or a time quantity. */
    private Double curveSeconds(Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null && (s.strip().equals("inf") || s.strip().equals(".inf"))) {
            return Double.POSITIVE_INFINITY;
        }
        Long ms = SiteYaml.millis(p, n, field);
        return ms == null ? null : ms / 1000.0;
    }
}
