package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.DEFAULT_DEADBAND_W;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_MARGIN;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_RAISE_HOLD_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_RAISE_STEP_W;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_TICK_MS;
import static io.headroom.appliance.site.SiteYaml.quantity;

import java.util.ArrayList;
import java.util.List;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code control:} the regulation loop's settings. */
final class ControlSection extends SectionReader {
    static final List<String> CONTROL_KEYS = List.of("tick", "margin", "deadband", "raiseHold", "raiseStep",
            "contractImportLimit", "rampLimit", "smoothing", "bands");
    static final List<String> BANDS_KEYS = List.of("limits", "ramp");
    static final List<String> BAND_KEYS = List.of("from", "to", "peakToPeak", "rms");
    static final List<String> RAMP_KEYS = List.of("up", "down", "jobUp", "jobDown");

    private final double siteFrequencyHz;

    ControlSection(SiteReading ctx) {
        this(ctx, null);
    }

    /** @param siteFrequencyHz the site's frequency (bands must lie below it), null when unknown */
    ControlSection(SiteReading ctx, Double siteFrequencyHz) {
        super(ctx);
        this.siteFrequencyHz = siteFrequencyHz == null ? 0 : siteFrequencyHz;
    }

    ControlSettings read(MapReader top) {
        MapReader c = top.map("control", false, "the control section", CONTROL_KEYS);
        if (c == null) {
            return new ControlSettings(DEFAULT_TICK_MS, DEFAULT_MARGIN, DEFAULT_DEADBAND_W, DEFAULT_RAISE_HOLD_MS,
                    DEFAULT_RAISE_STEP_W);
        }
        Val<Long> tick = c.get("tick", SiteYaml::millis, false);
        positive(tick);
        Val<Double> margin = c.get("margin", quantity(Kind.PERCENT), false);
        if (margin != null && margin.ok() && (margin.value() < 0 || margin.value() >= 0.5)) {
            p.at(margin.node(), margin.field(), "must be at least 0 % and below 50 %, got " + got(margin));
        }
        Val<Double> deadband = c.get("deadband", quantity(Kind.POWER), false);
        notNegative(deadband);
        Val<Long> raiseHold = c.get("raiseHold", SiteYaml::millis, false);
        notNegative(raiseHold);
        Val<Double> raiseStep = c.get("raiseStep", quantity(Kind.POWER), false);
        positive(raiseStep);
        Val<Double> contract = c.get("contractImportLimit", quantity(Kind.POWER), false);
        positive(contract);
        Val<Double> ramp = c.get("rampLimit", quantity(Kind.RAMP), false);
        positive(ramp);
        Val<Long> smoothing = c.get("smoothing", SiteYaml::millis, false);
        positive(smoothing);
        BandLimits bands = bands(c, contract);
        return new ControlSettings(
                or(tick, DEFAULT_TICK_MS),
                or(margin, DEFAULT_MARGIN),
                or(deadband, DEFAULT_DEADBAND_W),
                or(raiseHold, DEFAULT_RAISE_HOLD_MS),
                or(raiseStep, DEFAULT_RAISE_STEP_W),
                or(contract, 0.0),
                or(ramp, ControlSettings.DEFAULT_RAMP_LIMIT_W_PER_S),
                or(smoothing, ControlSettings.DEFAULT_SMOOTHING_MS),
                bands);
    }

    /** {@code control.bands}: band limits on the swing at the point of interconnection, and ramp limits. */
    private BandLimits bands(MapReader c, Val<Double> contract) {
        MapReader b = c.map("bands", false, "the band and ramp limits", BANDS_KEYS);
        if (b == null) {
            return BandLimits.NONE;
        }
        List<BandLimits.Band> out = new ArrayList<>();
        List<Node> list = b.list("limits", false);
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                String path = b.field("limits") + "[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a band limit", BAND_KEYS);
                if (m == null) {
                    continue;
                }
                Val<Double> from = m.get("from", quantity(Kind.FREQUENCY), true);
                positive(from);
                Val<Double> to = m.get("to", quantity(Kind.FREQUENCY), true);
                positive(to);
                if (from != null && from.ok() && to != null && to.ok() && from.value() > 0
                        && to.value() <= from.value()) {
                    p.at(to.node(), to.field(), "must be above from (" + got(from) + "), got " + got(to));
                }
                if (to != null && to.ok() && siteFrequencyHz > 0 && to.value() >= siteFrequencyHz) {
                    p.at(to.node(), to.field(), "must be below the site frequency " + fmt(siteFrequencyHz, "Hz")
                            + " (the half-cycle power series' Nyquist limit), got " + got(to));
                }
                Val<Swing> p2p = m.get("peakToPeak", ControlSection::swing, false);
                Val<Swing> rms = m.get("rms", ControlSection::swing, false);
                if (p2p != null && rms != null) {
                    p.at(rms.node(), rms.field(), "give peakToPeak or rms, not both");
                    continue;
                }
                if (p2p == null && rms == null) {
                    m.missing("peakToPeak", "missing required key: give peakToPeak or rms (a power, or % of "
                            + "contractImportLimit)");
                    continue;
                }
                Val<Swing> lim = p2p != null ? p2p : rms;
                if (lim.ok() && lim.value().amount() <= 0) {
                    p.at(lim.node(), lim.field(), "must be greater than 0, got " + got(lim));
                    continue;
                }
                if (lim.ok() && lim.value().percent() && contract == null) {
                    p.at(lim.node(), lim.field(), "a share of the contract needs control.contractImportLimit; "
                            + "give it, or the limit in kW, got " + got(lim));
                    continue;
                }
                if (lim.ok() && from != null && from.ok() && to != null && to.ok()) {
                    Swing sw = lim.value();
                    out.add(new BandLimits.Band(from.value(), to.value(),
                            p2p != null ? BandLimits.Measure.PEAK_TO_PEAK : BandLimits.Measure.RMS,
                            sw.percent() ? Double.NaN : sw.amount(), sw.percent() ? sw.amount() : Double.NaN));
                }
            }
        }
        BandLimits.Ramp normal = null;
        BandLimits.Ramp job = null;
        MapReader r = b.map("ramp", false, "the ramp limits", RAMP_KEYS);
        if (r != null) {
            Val<Double> up = r.get("up", quantity(Kind.RAMP), false);
            positive(up);
            Val<Double> down = r.get("down", quantity(Kind.RAMP), false);
            positive(down);
            Val<Double> jobUp = r.get("jobUp", quantity(Kind.RAMP), false);
            positive(jobUp);
            Val<Double> jobDown = r.get("jobDown", quantity(Kind.RAMP), false);
            positive(jobDown);
            if (up != null || down != null) {
                normal = new BandLimits.Ramp(or(up, Double.POSITIVE_INFINITY), or(down, Double.POSITIVE_INFINITY));
            }
            if (jobUp != null || jobDown != null) {
                job = new BandLimits.Ramp(or(jobUp, normal != null ? normal.upWPerS() : Double.POSITIVE_INFINITY),
                        or(jobDown, normal != null ? normal.downWPerS() : Double.POSITIVE_INFINITY));
            }
            if (normal != null && job != null && (job.upWPerS() < normal.upWPerS()
                    || job.downWPerS() < normal.downWPerS())) {
                Val<Double> at = jobUp != null && job.upWPerS() < normal.upWPerS() ? jobUp : jobDown;
                p.at(at.node(), at.field(), "a job start/stop ramp limit tighter than the normal one "
                        + "would hold jobs to less than normal operation; at least the normal limit, got " + got(at));
            }
        }
        return new BandLimits(out, normal, job);
    }

    /** A band's swing limit: a power, or a share of the contract. */
    record Swing(double amount, boolean percent) {
    }

    static Swing swing(SiteYaml.Problems p, Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null && s.strip().endsWith("%")) {
            Double f = quantity(Kind.PERCENT).convert(p, n, field);
            return f == null ? null : new Swing(f, true);
        }
        if (s != null && Quantity.isPlainNumber(s)) {
            p.at(n, field, "needs a unit: " + s.strip() + " kW or " + s.strip() + " % (of contractImportLimit)");
            return null;
        }
        Double w = quantity(Kind.POWER).convert(p, n, field);
        return w == null ? null : new Swing(w, false);
    }
}
