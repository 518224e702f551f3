package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.Arbiter;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.Limit;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.dsp.BandPowerReading;
import io.headroom.appliance.dsp.FeedWaveformMeasurement;
import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The site and its live state as the API's JSON (documented in appliance/README.md). Units are in the names. */
public final class SiteJson {

    private SiteJson() {
    }

    public static JsonObject site(Site site, SiteState s) {
        return site(site, s, null);
    }

    /** With the operator's view: each feed's maintenance, each node's override, the alarms with their ids. */
    static JsonObject site(Site site, SiteState s, OperatorApi operator) {
        JsonObject o = new JsonObject()
                .put("site", site.name())
                .put("tick", s == null ? 0 : s.tick())
                .put("utc", s == null ? null : s.utc().toString())
                .put("tickMs", site.control().tickMs());
        JsonArray feeds = new JsonArray();
        for (Feed f : site.feeds()) {
            FeedMeasurement m = s == null ? null : s.feeds().get(f.id());
            GroupDecision d = s == null ? null : decisionOf(s, site.groupOfFeed(f.id()).id());
            feeds.add(new JsonObject()
                    .put("id", f.id())
                    .put("group", site.groupOfFeed(f.id()).id())
                    .put("ratingA", f.ratingA())
                    .put("limitA", f.limitA())
                    .put("limitW", round(f.limitW()))
                    .put("currentA", m == null ? null : finite(m.currentA()))
                    .put("loadW", m == null ? null : finite(round(m.powerW()), m.powerW()))
                    .put("loadFraction", m == null || !m.usable() ? null : round3(m.currentA() / f.limitA()))
                    .put("quality", m == null ? "NONE" : m.quality().name())
                    .put("ageMs", m == null ? null : m.ageMs())
                    .put("binding", d != null && f.id().equals(d.bindingFeed()))
                    .put("ceilingA", ceiling(d, f.id()) == null ? null : round(ceiling(d, f.id()).amps()))
                    .put("ceilingReason", ceiling(d, f.id()) == null ? null : ceiling(d, f.id()).reason())
                    .put("phases", phases(s == null ? null : s.phases().get(f.id())))
                    .put("waveform", waveform(s == null ? null : s.waveforms().feeds().get(f.id())))
                    .put("maintenance", operator == null ? null : operator.maintenanceOf(f.id())));
        }
        o.put("feeds", feeds);
        JsonArray nodes = new JsonArray();
        for (Node n : site.nodes()) {
            NodeTelemetry t = s == null ? null : s.nodes().get(n.id());
            Double cap = s == null ? null : s.caps().get(n.id());
            nodes.add(new JsonObject()
                    .put("id", n.id())
                    .put("rack", n.rackId())
                    .put("group", n.groupId())
                    .put("priority", n.priority().label())
                    .put("gpus", n.gpus())
                    .put("gpuMinW", n.gpu().minW())
                    .put("gpuMaxW", n.gpu().maxW())
                    .put("gpuPowerW", t == null ? null : round(t.gpuPowerW()))
                    .put("capPerGpuW", cap == null ? null : round(cap))
                    .put("agentCapPerGpuW", t == null ? null : round(t.capPerGpuW()))
                    .put("telemetryFresh", t != null && t.fresh())
                    .put("override", operator == null ? null : operator.overrideOf(n.id())));
        }
        o.put("nodes", nodes);
        JsonArray groups = new JsonArray();
        if (s != null) {
            for (GroupDecision d : s.decisions()) {
                JsonArray plans = new JsonArray();
                for (ContingencyPlan p : d.plans()) {
                    plans.add(new JsonObject().put("lostFeed", p.lostFeedId())
                            .put("survivors", new JsonArray(p.survivors()))
                            .put("survivorsAllowedW", round(p.survivorsAllowedW()))
                            .put("demandW", round(p.demandW()))
                            .put("shedW", round(p.shedW()))
                            .put("feasible", p.feasible()));
                }
                groups.add(new JsonObject()
                        .put("id", d.groupId())
                        .put("allowedW", finite(round(d.allowedGroupW())))
                        .put("measuredW", finite(round(d.measuredGroupW())))
                        .put("nonGpuW", finite(round(d.nonGpuW())))
                        .put("gpuBudgetW", finite(round(d.gpuBudgetW())))
                        .put("bindingFeed", d.bindingFeed())
                        .put("binding", d.binding())
                        .put("bindingTier", d.bindingLimit() == null ? null : d.bindingLimit().tier().name())
                        .put("bindingSource", d.bindingLimit() == null ? null : d.bindingLimit().source())
                        .put("planEpoch", d.planEpoch())
                        .put("contingencies", plans));
            }
        }
        o.put("groups", groups);
        JsonArray banks = new JsonArray();
        for (var b : site.supercaps()) {
            var m = s == null ? null : s.banks().get(b.id());
            Double sp = s == null ? null : s.bankSetpointsW().get(b.id());
            banks.add(new JsonObject().put("id", b.id()).put("feed", b.feedId()).put("energyWh", b.energyWh())
                    .put("maxPowerW", b.maxPowerW())
                    .put("socPercent", m == null || !m.usable() ? null : round(m.socFraction() * 100))
                    .put("powerW", m == null || !m.usable() ? null : round(m.powerW()))
                    .put("setpointW", sp == null ? null : round(sp))
                    .put("usable", m != null && m.usable()));
        }
        o.put("banks", banks);
        o.put("bands", bands(s == null ? null : s.waveforms()));
        o.put("alarms", new JsonArray(s == null ? java.util.List.of() : s.alarms()));
        if (operator != null) {
            o.put("alarmList", operator.alarms());
        }
        return o;
    }

    /** Frames a stream's source dropped unread, by reason (forged or stray frames show here). */
    private static JsonObject refused(WaveformState.Refused r) {
        return new JsonObject().put("unknownSender", r.unknownSender()).put("suspectSequence", r.suspect())
                .put("resyncs", r.resyncs()).put("rateMismatch", r.rateMismatch()).put("corrupt", r.corrupt())
                .put("foreign", r.foreign());
    }

    /** A feed's waveform stream: health and the latest half-cycle quantities; null when it has no stream. */
    private static JsonObject waveform(WaveformState.FeedStream w) {
        if (w == null) {
            return null;
        }
        FeedWaveformMeasurement m = w.latest();
        JsonObject o = new JsonObject().put("stream", w.status().name()).put("ageMs", w.ageMs())
                .put("blocks", w.blocks()).put("samples", w.samples()).put("samplesLost", w.samplesLost())
                .put("framesRefused", refused(w.refused()));
        if (m == null || w.status() != WaveformState.Status.GOOD) {
            return o.put("lost", m != null && m.lost()).put("urmsV", null).put("p3W", null).put("q3Var", null)
                    .put("powerFactor", null).put("frequencyHz", null).put("dPdtWPerS", null)
                    .put("rotation", null);
        }
        JsonArray u = new JsonArray();
        for (double v : m.urms()) {
            u.add(finite(round(v)));
        }
        return o.put("lost", m.lost()).put("urmsV", u).put("p3W", finite(round(m.p3()))).put("q3Var", finite(round(m.q3())))
                .put("powerFactor", finite(round3(m.pf3()))).put("frequencyHz", finite(round3(m.frequencyHz())))
                .put("dPdtWPerS", finite(round(m.dPdtWPerS())))
                .put("rotation", Double.isNaN(m.rotation()) ? null : m.rotation() > 0.5 ? "L1-L2-L3"
                        : m.rotation() < -0.5 ? "L1-L3-L2" : "unclear");
    }

    /**
     * The site power series' band power (the utility's spectral limits): 0.1–2 Hz and 3–30 Hz band RMS (W) and
     * energy over the window (W²·s), and the peak ramp (MW/s); null without waveform streams or before the first
     * half cycle.
     */
    private static JsonObject bands(WaveformState w) {
        BandPowerReading b = w == null ? null : w.bands();
        if (b == null) {
            return null;
        }
        return new JsonObject()
                .put("feeds", new JsonArray(b.feeds()))
                .put("sitePowerW", finite(round(b.sitePowerW())))
                .put("windowS", b.windowS())
                .put("rampSpanS", b.rampSpanS())
                .put("lowBandHz", new JsonArray().add(0.1).add(2.0))
                .put("lowBandRmsW", finite(round(b.lowBandRmsW())))
                .put("lowBandEnergyW2s", finite(b.lowBandEnergyW2s()))
                .put("highBandHz", new JsonArray().add(3.0).add(30.0))
                .put("highBandRmsW", finite(round(b.highBandRmsW())))
                .put("highBandEnergyW2s", finite(b.highBandEnergyW2s()))
                .put("peakRampMWPerS", finite(Math.round(b.peakRampWPerS()) / 1e6))
                .put("samples", b.samples())
                .put("settled", b.settled())
                .put("staleFeeds", b.staleFeeds())
                .put("ageMs", w.bandsAgeMs());
    }

    private static GroupDecision decisionOf(SiteState s, String group) {
        for (GroupDecision d : s.decisions()) {
            if (d.groupId().equals(group)) {
                return d;
            }
        }
        return null;
    }

    /** L1..L3 as the meter reads them, with frequency; null without a reading. */
    private static JsonObject phases(io.headroom.appliance.measure.FeedPhases p) {
        if (p == null) {
            return null;
        }
        JsonArray l = new JsonArray();
        for (int k = 0; k < 3; k++) {
            // a value the meter does not give is null, never 0 (Math.round(NaN) is 0: test before rounding)
            l.add(new JsonObject().put("phase", "L" + (k + 1))
                    .put("voltageV", finite(round(p.voltageV()[k]), p.voltageV()[k]))
                    .put("currentA", finite(round(p.currentA()[k]), p.currentA()[k]))
                    .put("powerW", finite(round(p.powerW()[k]), p.powerW()[k]))
                    .put("powerSource", Double.isFinite(p.powerW()[k]) ? p.powerSource()[k] : null)
                    .put("powerFactor", finite(round3(p.powerFactor()[k]), p.powerFactor()[k])));
        }
        return new JsonObject().put("meter", p.meterId()).put("quality", p.quality()).put("ageMs", p.ageMs())
                .put("frequencyHz", finite(round3(p.frequencyHz()), p.frequencyHz()))
                .put("powerFactor", finite(round3(p.totalPowerFactor()), p.totalPowerFactor()))
                .put("lines", l);
    }

    private static Limit.FeedCeiling ceiling(GroupDecision d, String feedId) {
        if (d == null) {
            return null;
        }
        for (Arbiter.Considered c : d.considered()) {
            if (c.limit() instanceof Limit.FeedCeiling f && f.feedId().equals(feedId)) {
                return f;
            }
        }
        return null;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** {@code rounded}, or null when the value it was rounded from is not finite. */
    private static Double finite(double rounded, double raw) {
        return Double.isFinite(raw) ? rounded : null;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
