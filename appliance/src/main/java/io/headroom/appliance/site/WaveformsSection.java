package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.MAX_RECORD_S;
import static io.headroom.appliance.site.SiteLoader.RECORD_FORMATS;
import static io.headroom.appliance.site.SiteYaml.quantity;

import java.math.BigDecimal;
import java.util.List;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code waveforms:} stream deadline, loss and sag detection, the disturbance recorder, band power. */
final class WaveformsSection extends SectionReader {
    static final List<String> WAVEFORM_KEYS = List.of("streamDeadline", "detection", "disturbanceRecorder",
            "bandPower");
    static final List<String> DETECTION_KEYS = List.of("lossThreshold", "lossPersistence",
            "restoreThreshold", "restorePersistence", "phaseLossThreshold", "sagThreshold", "sagHysteresis",
            "zeroCrossHysteresis");
    static final List<String> RECORDER_KEYS = List.of("enabled", "preTrigger", "postTrigger", "format");
    static final List<String> BAND_KEYS = List.of("window", "rampSpan");

    WaveformsSection(SiteReading ctx) {
        super(ctx);
    }

    /** A percentage in [min, max] (fractions), else reported. */
    private void percentIn(Val<Double> v, double min, double max) {
        if (v != null && v.ok() && (v.value() < min || v.value() > max)) {
            p.at(v.node(), v.field(), "must be in [" + pct(min) + ", " + pct(max) + "], got " + got(v));
        }
    }

    private static String pct(double f) {
        return BigDecimal.valueOf(f * 100).stripTrailingZeros().toPlainString() + " %";
    }

    private static String seconds(double s) {
        return BigDecimal.valueOf(s).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString()
                + " s";
    }

    WaveformSettings read(MapReader top, Double frequencyHz) {
        WaveformSettings d = WaveformSettings.defaults();
        MapReader w = top.map("waveforms", false, "the waveforms section", WAVEFORM_KEYS);
        if (w == null) {
            return d;
        }
        Val<Long> deadline = w.get("streamDeadline", SiteYaml::millis, false);
        positive(deadline);

        io.headroom.appliance.dsp.DetectionSettings dd = d.detection();
        io.headroom.appliance.dsp.DetectionSettings detection = dd;
        MapReader t = w.map("detection", false, "the detection thresholds", DETECTION_KEYS);
        if (t != null) {
            Val<Double> loss = t.get("lossThreshold", quantity(Kind.PERCENT), false);
            percentIn(loss, 0.01, 0.95);
            Val<Double> lossMs = t.get("lossPersistence", quantity(Kind.TIME), false);
            positive(lossMs);
            if (lossMs != null && lossMs.ok() && lossMs.value() > 0 && frequencyHz != null) {
                double quarterMs = 1000 / frequencyHz / 4;
                if (lossMs.value() >= quarterMs) {
                    p.at(lossMs.node(), lossMs.field(), "must be shorter than a quarter cycle ("
                            + BigDecimal.valueOf(quarterMs).round(new java.math.MathContext(4)).stripTrailingZeros()
                            .toPlainString() + " ms at " + fmt(frequencyHz, "Hz")
                            + ") for the loss to be seen in time, got " + got(lossMs));
                }
            }
            Val<Double> restore = t.get("restoreThreshold", quantity(Kind.PERCENT), false);
            percentIn(restore, 0.01, 1.5);
            double lossF = or(loss, dd.lossFraction());
            if (loss != null && loss.ok() && (lossF < 0.01 || lossF > 0.95)) {
                lossF = dd.lossFraction(); // reported above; compare the others with the default
            }
            if (restore != null && restore.ok() && restore.value() >= 0.01 && restore.value() <= 1.5
                    && restore.value() <= lossF) {
                p.at(restore.node(), restore.field(), "must be above lossThreshold (" + pct(lossF)
                        + "), got " + got(restore));
            }
            Val<Double> restoreMs = t.get("restorePersistence", quantity(Kind.TIME), false);
            notNegative(restoreMs);
            if (restoreMs != null && restoreMs.ok() && restoreMs.value() > 10_000) {
                p.at(restoreMs.node(), restoreMs.field(), "must be at most 10 s, got " + got(restoreMs));
            }
            Val<Double> phase = t.get("phaseLossThreshold", quantity(Kind.PERCENT), false);
            percentIn(phase, 0.01, 0.95);
            Val<Double> sag = t.get("sagThreshold", quantity(Kind.PERCENT), false);
            percentIn(sag, 0.05, 0.99);
            Val<Double> sagH = t.get("sagHysteresis", quantity(Kind.PERCENT), false);
            percentIn(sagH, 0, 0.2);
            double sagF = or(sag, dd.sagFraction());
            if (sag != null && sag.ok() && (sagF < 0.05 || sagF > 0.99)) {
                sagF = dd.sagFraction();
            }
            if (sagH != null && sagH.ok() && sagH.value() >= 0 && sagH.value() <= 0.2
                    && sagF + sagH.value() >= 1) {
                p.at(sagH.node(), sagH.field(), "sagThreshold + sagHysteresis must stay below 100 % (a dip "
                        + "must be able to end), got " + pct(sagF) + " + " + got(sagH));
            }
            Val<Double> zero = t.get("zeroCrossHysteresis", quantity(Kind.PERCENT), false);
            percentIn(zero, 0, 0.5);
            if (p.isEmpty()) {
                try {
                    detection = new io.headroom.appliance.dsp.DetectionSettings(lossF,
                            or(lossMs, dd.lossPersistenceS() * 1000) / 1000, or(restore, dd.restoreFraction()),
                            or(restoreMs, dd.restorePersistenceS() * 1000) / 1000,
                            or(phase, dd.phaseLossFraction()), sagF, or(sagH, dd.sagHysteresis()),
                            or(zero, dd.zeroCrossHysteresis()));
                } catch (IllegalArgumentException e) { // a combination the checks above let through
                    p.at(t.node(), t.path(), e.getMessage());
                }
            }
        }

        boolean enabled = d.recorderEnabled();
        double pre = d.preTriggerS();
        double post = d.postTriggerS();
        String format = d.recordFormat();
        MapReader r = w.map("disturbanceRecorder", false, "the disturbance recorder", RECORDER_KEYS);
        if (r != null) {
            Boolean en = r.opt("enabled", SiteYaml::bool, true);
            enabled = !Boolean.FALSE.equals(en);
            Val<Double> preMs = r.get("preTrigger", quantity(Kind.TIME), false);
            notNegative(preMs);
            Val<Double> postMs = r.get("postTrigger", quantity(Kind.TIME), false);
            notNegative(postMs);
            Val<String> f = r.get("format", oneOf(RECORD_FORMATS), false);
            pre = or(preMs, pre * 1000) / 1000;
            post = or(postMs, post * 1000) / 1000;
            format = or(f, format);
            boolean valid = (preMs == null || preMs.ok()) && (postMs == null || postMs.ok()) && pre >= 0
                    && post >= 0;
            Val<Double> at = postMs != null ? postMs : preMs;
            if (valid && at != null && (pre + post <= 0 || pre + post > MAX_RECORD_S)) {
                p.at(at.node(), at.field(), "preTrigger + postTrigger must be more than 0 s and at most "
                        + seconds(MAX_RECORD_S) + " (the recorder keeps two rings of that length per stream), got "
                        + seconds(pre + post));
            }
        }

        double window = d.bandWindowS();
        double span = d.rampSpanS();
        MapReader b = w.map("bandPower", false, "the band-power settings", BAND_KEYS);
        if (b != null) {
            Val<Double> win = b.get("window", quantity(Kind.TIME), false);
            if (win != null && win.ok() && (win.value() < 10_000 || win.value() > 300_000)) {
                p.at(win.node(), win.field(), "must be 10 s to 5 min (10 s holds one period of the 0.1 Hz band), got "
                        + got(win));
            }
            Val<Double> sp = b.get("rampSpan", quantity(Kind.TIME), false);
            if (sp != null && sp.ok() && sp.value() < 10) {
                p.at(sp.node(), sp.field(), "must be at least 10 ms (one half cycle), got " + got(sp));
            }
            window = or(win, window * 1000) / 1000;
            span = or(sp, span * 1000) / 1000;
            if (sp != null && sp.ok() && sp.value() >= 10 && (win == null || win.ok()) && span >= window) {
                p.at(sp.node(), sp.field(), "must be shorter than the window (" + seconds(window) + "), got "
                        + got(sp));
            }
        }
        return new WaveformSettings(detection, or(deadline, d.streamDeadlineMs()), enabled, pre, post, format,
                window, span);
    }
}
