package io.headroom.hil.scenario;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.Arbiter;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.Limit;
import io.headroom.appliance.dsp.BandPowerMonitor;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.hil.Bench;
import io.headroom.hil.Plant;
import io.headroom.hil.PlantBank;
import io.headroom.hil.PlantNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Plays a {@link Scenario} against a running {@link Bench} in real time and measures what the issue asks of a
 * bench run: breaker trips (the plant's breakers trip along their curves), the worst fraction of a trip curve
 * used, the time from each feed loss until every survivor is back within its limit (and until it stays there),
 * compute delivered per priority class against uncapped demand, ramp rate and 0.1–2 Hz / 3–30 Hz band power of
 * the site's import, journal items lost, alarms raised. Everything is measured on the plant's step thread, every
 * plant step (2 ms by default), from the plant's own state, not the appliance's view of it; the import's band
 * power from its 10 ms means.
 */
public final class ScenarioRunner {

    private static final Logger log = LoggerFactory.getLogger(ScenarioRunner.class);
    /** The report's time series: one sample every this many seconds of plant time. */
    static final double SAMPLE_EVERY_S = 0.1;
    /** The band-power monitor's input: the site import's mean over each this many seconds (100 Hz). */
    static final double BAND_EVERY_S = 0.01;

    private ScenarioRunner() {
    }

    /** A feed loss and what followed it. */
    public record Recovery(String feed, double atS, double backWithinMs, double settledMs) {
    }

    /** A point of the report's plots. */
    public record Sample(double t, double[] feedFraction, double[] ceilingFraction, boolean[] feedUp,
                         double[] classCapKw, double[] classPowerKw, double[] bankSocPct, double siteKw) {
    }

    /**
     * @param figures    {@code name → value} as printed ({@code hil.NAME VALUE UNIT})
     * @param failures   the expectations that did not hold, in words (empty: passed)
     */
    public record Result(Scenario scenario, Map<String, Double> figures, Map<String, String> units,
                         List<Recovery> recoveries, List<Sample> samples, List<String> alarms, List<String> failures,
                         List<String> eventLog, Instant started) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** Runs the scenario from now on the bench (which must be started); blocks for its duration. */
    public static Result run(Bench bench, Scenario sc) throws InterruptedException {
        return run(bench, sc, null);
    }

    /**
     * Runs the scenario with the bench VTN the bench's VEN is enrolled with ({@code openadr: true} scenarios; its
     * DR events are published there).
     */
    public static Result run(Bench bench, Scenario sc, io.headroom.hil.LocalVtn vtn) throws InterruptedException {
        if (vtn == null && sc.events().stream().anyMatch(e -> e instanceof Scenario.DrEvent)) {
            throw new IllegalArgumentException("scenario " + sc.name() + " publishes DR events: start it with a bench VTN");
        }
        Plant plant = bench.plant();
        Site site = bench.appliance().site();
        if (Scenario.CALIBRATED.equals(sc.workload())) {
            plant.useCalibratedWorkload(sc.name().hashCode());
        }
        if (!sc.plant().idealResponse()) {
            plant.capResponse(sc.plant().capDelayS(), sc.plant().capSettlingS(), sc.plant().telemetryError(),
                    sc.name().hashCode());
        }
        Instant started = Instant.now();
        double t0 = plant.nowS();
        if (Scenario.SYNCHRONOUS.equals(sc.workload())) {
            plant.useSynchronousTraining(sc.training(), sc.trainingEvents(t0), sc.name().hashCode());
        }
        Probe probe = new Probe(() -> bench.appliance().state(), bench::leaseLapses, site, sc, t0);
        List<String> eventLog = new ArrayList<>();
        eventLog.add(REAL_TIME_NOTE);
        plant.onStep(probe::stepped);
        long journalDropped0 = bench.journalDropped();
        try {
            for (Scenario.Event e : sc.events()) {
                plant.sleepUntil(t0 + e.atS());
                if (e instanceof Scenario.DrEvent dr) {
                    publish(vtn, dr, eventLog.size());
                } else {
                    apply(bench, e);
                }
                probe.event(e, plant.nowS() - t0);
                eventLog.add(String.format(Locale.ROOT, "%7.2f s  %s", plant.nowS() - t0, e.describe()));
                log.info("scenario {}: {} at {} s", sc.name(), e.describe(), String.format(Locale.ROOT, "%.2f", plant.nowS() - t0));
            }
            plant.sleepUntil(t0 + sc.durationS());
        } finally {
            plant.onStep(null);
        }
        probe.finish();
        List<String> alarms = new ArrayList<>();
        List<double[]> alarmTimes = new ArrayList<>(); // seconds after the scenario's start, per alarm above
        for (JournalEntry j : bench.appliance().journal().entries(started.minusMillis(1), Instant.now().plusSeconds(1),
                "alarm.raised", 10_000)) {
            alarms.add(j.message());
            alarmTimes.add(new double[]{(j.utc().toEpochMilli() - started.toEpochMilli()) / 1000.0});
        }
        return result(sc, plant, probe, bench.journalDropped() - journalDropped0, alarms, alarmTimes, bench, eventLog,
                started);
    }

    /**
     * What a real-time run's figures are worth, first in its report's events and said by the CLI: the plant, the
     * appliance's threads, the agents and the network run in real time, so when each event lands and each loop runs
     * depends on the machine's scheduling.
     */
    public static final String REAL_TIME_NOTE = "real time: the timing figures (recovery, settle, trip margin used, "
            + "peak load, compute lost, band power, alarm times and counts) vary from run to run with the machine's scheduling "
            + "(hil-tests/README.md, 'Reproducible figures'); --virtual-time repeats them exactly";

    /** Virtual time the hall runs before a scenario's start, as a bench is up a moment before it plays one. */
    public static final long VIRTUAL_LEAD_IN_MS = 5_000;

    /**
     * What of {@code sc} the virtual-time hall cannot play, in words (empty: all of it). It models the agents and the
     * fast path in memory and runs no waveform DSP, API, VEN, network or supervision, so agent crashes, network
     * impairments, appliance restarts, loop drills and DR events need the real bench.
     */
    public static List<String> notInVirtualTime(Scenario sc) {
        List<String> out = new ArrayList<>();
        for (Scenario.Event e : sc.events()) {
            boolean ok = e instanceof Scenario.FeedLoss || e instanceof Scenario.FeedRestore || e instanceof Scenario.Burst
                    || e instanceof Scenario.MeterFault || e instanceof Scenario.MeterFreeze
                    || e instanceof Scenario.BreakerTrip || e instanceof Scenario.MeterLies;
            if (!ok) {
                out.add(e.describe());
            }
        }
        if (sc.openadr() && out.isEmpty()) {
            out.add("the bench VTN (openadr: true)");
        }
        return out;
    }

    /**
     * Plays {@code sc} in virtual time on a {@link io.headroom.hil.VirtualTimeHall} of {@code site} (the real Modbus
     * driver, measurement pipeline, regulation, supercap control and journal against the plant, on one thread; the
     * agents and the fast path modelled in memory with fixed latencies), with its journal in {@code dataDir}: the same
     * scenario, site and seed give the same figures, bit for bit, whatever the machine's load (short of a Modbus read
     * on loopback timing out) and whatever ran before. The hall runs {@link #VIRTUAL_LEAD_IN_MS} before the scenario's
     * start. Alarms are regulation's (with the appliance's hysteresis), read from its active list each tick; the
     * real agents' figures (lease lapses, agents uncommanded at the end) are not measured.
     *
     * @throws IllegalArgumentException if the scenario has events only the real bench plays ({@link #notInVirtualTime})
     */
    public static Result runVirtual(Site site, Scenario sc, long seed, java.nio.file.Path dataDir) throws Exception {
        List<String> not = notInVirtualTime(sc);
        if (!not.isEmpty()) {
            throw new IllegalArgumentException("scenario " + sc.name() + " cannot run in virtual time: "
                    + String.join("; ", not) + " need the real bench (leave out --virtual-time)");
        }
        java.nio.file.Files.createDirectories(dataDir);
        try (io.headroom.hil.VirtualTimeHall hall = new io.headroom.hil.VirtualTimeHall(site, seed, dataDir)) {
            Plant plant = hall.plant();
            hall.alarms().hysteresis(io.headroom.appliance.operator.ActiveAlarms.REGULATION,
                    io.headroom.appliance.RegulationLoop.ALARM_RAISE_AFTER,
                    io.headroom.appliance.RegulationLoop.ALARM_CLEAR_AFTER);
            if (Scenario.CALIBRATED.equals(sc.workload())) {
                plant.useCalibratedWorkload(sc.name().hashCode());
            }
            if (!sc.plant().idealResponse()) {
                plant.capResponse(sc.plant().capDelayS(), sc.plant().capSettlingS(), sc.plant().telemetryError(),
                        sc.name().hashCode());
            }
            SiteState[] last = {null};
            java.util.Set<String> seen = new java.util.HashSet<>();
            List<io.headroom.appliance.operator.ActiveAlarms.Alarm> raised = new ArrayList<>();
            java.util.function.Consumer<SiteState> onTick = st -> {
                last[0] = st;
                for (io.headroom.appliance.operator.ActiveAlarms.Alarm a : hall.regulation().alarms().list()) {
                    if (seen.add(a.id() + "@" + a.raisedAt())) {
                        raised.add(a);
                    }
                }
            };
            hall.run(VIRTUAL_LEAD_IN_MS, ms -> { }, onTick);
            Instant started = hall.clock().instant();
            long t0Ms = hall.nowMs();
            double t0 = plant.nowS();
            if (Scenario.SYNCHRONOUS.equals(sc.workload())) {
                plant.useSynchronousTraining(sc.training(), sc.trainingEvents(t0), sc.name().hashCode());
            }
            Probe probe = new Probe(() -> last[0], () -> 0, hall.site(), sc, t0);
            List<String> eventLog = new ArrayList<>();
            eventLog.add(String.format(Locale.ROOT, "virtual time: seed %d, %d ms of lead-in; agents and fast path "
                    + "modelled (cap latency %d ms, fast path %d ms)", seed, VIRTUAL_LEAD_IN_MS,
                    io.headroom.hil.VirtualTimeHall.CAP_LATENCY_MS, io.headroom.hil.VirtualTimeHall.FAST_PATH_MS));
            List<Scenario.Event> events = sc.events();
            int[] next = {0};
            long journalDropped0 = hall.journal().dropped();
            plant.onStep(probe::stepped);
            try {
                hall.run(Math.round(sc.durationS() * 1000), ms -> {
                    long sinceMs = ms - t0Ms;
                    while (next[0] < events.size() && Math.round(events.get(next[0]).atS() * 1000) <= sinceMs) {
                        Scenario.Event e = events.get(next[0]++);
                        applyToPlant(plant, e);
                        probe.event(e, sinceMs / 1000.0);
                        eventLog.add(String.format(Locale.ROOT, "%7.2f s  %s", sinceMs / 1000.0, e.describe()));
                    }
                }, onTick);
            } finally {
                plant.onStep(null);
            }
            probe.finish();
            List<String> alarms = new ArrayList<>();
            List<double[]> alarmTimes = new ArrayList<>();
            for (io.headroom.appliance.operator.ActiveAlarms.Alarm a : raised) {
                if (!a.raisedAt().isBefore(started)) {
                    alarms.add(a.message());
                    alarmTimes.add(new double[]{java.time.Duration.between(started, a.raisedAt()).toNanos() / 1e9});
                }
            }
            return result(sc, plant, probe, hall.journal().dropped() - journalDropped0, alarms, alarmTimes, null,
                    eventLog, started);
        }
    }

    /** An event of the plant's (what {@link #notInVirtualTime} lets through), applied to it. */
    private static void applyToPlant(Plant p, Scenario.Event e) {
        switch (e) {
            case Scenario.FeedLoss l -> p.setFeedUp(l.feed(), false);
            case Scenario.FeedRestore r -> p.setFeedUp(r.feed(), true);
            case Scenario.Burst b -> p.forceBurst(b.durationS(), b.fraction());
            case Scenario.MeterFault m -> {
                p.meterFault(m.feed(), m.failed());
                if (!m.failed()) {
                    p.meterFreeze(m.feed(), false);
                }
            }
            case Scenario.MeterFreeze m -> p.meterFreeze(m.feed(), true);
            case Scenario.BreakerTrip b -> p.tripBreaker(b.feed());
            case Scenario.MeterLies m -> p.meterLies(m.feed(), m.factor());
            default -> throw new IllegalArgumentException("not a plant event: " + e.describe());
        }
    }

    /**
     * The figures, the expectations' verdicts and the result, from what a run measured. {@code bench} is null in
     * virtual time: then the figures of the real agents (lease lapses, agents uncommanded at the end) are left out.
     */
    private static Result result(Scenario sc, Plant plant, Probe probe, long dataLost, List<String> alarms,
                                 List<double[]> alarmTimes, Bench bench, List<String> eventLog, Instant started) {
        Map<String, Double> fig = new LinkedHashMap<>();
        Map<String, String> unit = new LinkedHashMap<>();
        fig.put("trips", (double) probe.trips);
        unit.put("trips", "count");
        fig.put("worst_trip_margin_used", probe.worstExposure);
        unit.put("worst_trip_margin_used", "fraction");
        double worstBack = probe.recoveries.stream().mapToDouble(Recovery::backWithinMs).max().orElse(Double.NaN);
        double worstSettled = probe.recoveries.stream().mapToDouble(Recovery::settledMs).max().orElse(Double.NaN);
        fig.put("feed_losses", (double) probe.recoveries.size());
        unit.put("feed_losses", "count");
        fig.put("recovery_max_ms", worstBack);
        unit.put("recovery_max_ms", "ms");
        fig.put("settle_max_ms", worstSettled);
        unit.put("settle_max_ms", "ms");
        fig.put("peak_load_fraction", probe.peakFraction);
        unit.put("peak_load_fraction", "fraction");
        for (Priority p : Priority.values()) {
            double demand = plant.demandJ(p) - probe.demand0[p.ordinal()];
            double delivered = plant.deliveredJ(p) - probe.delivered0[p.ordinal()];
            fig.put(p.label() + "_compute_lost_pct", demand <= 0 ? 0 : Math.max(0, 100 * (1 - delivered / demand)));
            unit.put(p.label() + "_compute_lost_pct", "%");
        }
        fig.put("peak_ramp_mw_per_s", probe.bands.peakRampWPerS() / 1e6);
        unit.put("peak_ramp_mw_per_s", "MW/s");
        fig.put("band_0_1_2hz_rms_kw", probe.bands.lowBandRmsW() / 1e3);
        unit.put("band_0_1_2hz_rms_kw", "kW");
        fig.put("band_3_30hz_rms_kw", probe.bands.highBandRmsW() / 1e3);
        unit.put("band_3_30hz_rms_kw", "kW");
        fig.put("band_0p1_2hz_pp_pct", probe.bandPeakToPeakPct());
        unit.put("band_0p1_2hz_pp_pct", "%");
        fig.put("max_ramp_kw_per_s", probe.maxRampW / 1e3);
        unit.put("max_ramp_kw_per_s", "kW/s");
        fig.put("data_lost", (double) dataLost);
        unit.put("data_lost", "count");
        fig.put("alarms_raised", (double) alarms.size());
        unit.put("alarms_raised", "count");
        List<Scenario.DrEvent> drs = sc.events().stream().filter(e -> e instanceof Scenario.DrEvent)
                .map(e -> (Scenario.DrEvent) e).toList();
        if (!drs.isEmpty()) {
            double compliance = 100;
            double shed = 0;
            double committed = Double.POSITIVE_INFINITY;
            for (Scenario.DrEvent dr : drs) {
                double[] c = drFigures(probe.samples, dr);
                compliance = Math.min(compliance, c[0]);
                shed += c[1] / drs.size();
                committed = Math.min(committed, dr.limitW());
            }
            fig.put("dr_events", (double) drs.size());
            unit.put("dr_events", "count");
            fig.put("dr_committed_import_kw", committed / 1000);
            unit.put("dr_committed_import_kw", "kW");
            fig.put("dr_shed_kw", shed / 1000);
            unit.put("dr_shed_kw", "kW");
            fig.put("dr_compliance_pct", compliance);
            unit.put("dr_compliance_pct", "%");
        }
        if (bench != null) {
            fig.put("lease_lapses", (double) (bench.leaseLapses() - probe.lapses0));
            unit.put("lease_lapses", "count");
            fig.put("agents_uncommanded_at_end", (double) uncommanded(bench).size());
            unit.put("agents_uncommanded_at_end", "count");
        }
        List<String> timedFailures = new ArrayList<>();
        if (sc.expect() != null) {
            int k = 0;
            for (Scenario.TimedAlarm ta : sc.expect().alarmsWithin()) {
                double first = Double.NaN;
                for (int i = 0; i < alarms.size(); i++) {
                    double at = alarmTimes.get(i)[0];
                    if (alarms.get(i).contains(ta.text()) && at >= ta.afterS() - 0.05 && (Double.isNaN(first) || at < first)) {
                        first = at;
                    }
                }
                double took = Double.isNaN(first) ? Double.POSITIVE_INFINITY : Math.max(0, first - ta.afterS());
                fig.put("alarm_" + k + "_after_s", took);
                unit.put("alarm_" + k + "_after_s", "s");
                if (!(took <= ta.withinS())) {
                    timedFailures.add(String.format(Locale.ROOT, "alarm containing '%s': %s after %.1f s, within %.1f s expected",
                            ta.text(), Double.isInfinite(took) ? "never raised" : String.format(Locale.ROOT, "raised %.2f s",
                                    took), ta.afterS(), ta.withinS()));
                }
                k++;
            }
        }
        List<String> failures = new ArrayList<>(check(sc.expect(), fig, alarms, probe.recoveries));
        failures.addAll(timedFailures);
        if (bench != null && sc.expect() != null && sc.expect().uncommandedAgents() != null
                && fig.get("agents_uncommanded_at_end") > sc.expect().uncommandedAgents()) {
            failures.add("agents not under a lease of the running appliance with its contingency table armed at the end: "
                    + uncommanded(bench) + ", at most " + sc.expect().uncommandedAgents() + " expected");
        }
        return new Result(sc, fig, unit, List.copyOf(probe.recoveries), List.copyOf(probe.samples), alarms, failures,
                eventLog, started);
    }

    static List<String> check(Scenario.Expectations x, Map<String, Double> fig, List<String> alarms,
                              List<Recovery> recoveries) {
        List<String> f = new ArrayList<>();
        if (x == null) {
            return f;
        }
        if (x.trips() != null && fig.get("trips") > x.trips()) {
            f.add(String.format(Locale.ROOT, "breaker trips: %.0f, at most %d expected", fig.get("trips"), x.trips()));
        }
        if (x.recoveryMs() != null) {
            for (Recovery r : recoveries) {
                if (!(r.backWithinMs() <= x.recoveryMs())) {
                    f.add(String.format(Locale.ROOT, "loss of feed %s at %.2f s: survivors back within their limit after %.0f ms, at most %.0f ms expected",
                            r.feed(), r.atS(), r.backWithinMs(), x.recoveryMs()));
                }
            }
        }
        if (x.worstTripMarginUsed() != null && fig.get("worst_trip_margin_used") > x.worstTripMarginUsed()) {
            f.add(String.format(Locale.ROOT, "worst trip margin used: %.3f, at most %.3f expected",
                    fig.get("worst_trip_margin_used"), x.worstTripMarginUsed()));
        }
        if (x.criticalComputeLostPct() != null && fig.get("critical_compute_lost_pct") > x.criticalComputeLostPct()) {
            f.add(String.format(Locale.ROOT, "critical compute lost: %.2f %%, at most %.2f %% expected",
                    fig.get("critical_compute_lost_pct"), x.criticalComputeLostPct()));
        }
        if (x.band0p1to2HzPct() != null && !(fig.getOrDefault("band_0p1_2hz_pp_pct", Double.NaN)
                <= x.band0p1to2HzPct())) {
            f.add(String.format(Locale.ROOT, "0.1–2 Hz swing %.2f %% of the mean power peak-to-peak, at most %.2f %% "
                    + "expected", fig.getOrDefault("band_0p1_2hz_pp_pct", Double.NaN), x.band0p1to2HzPct()));
        }
        if (x.maxRampKwPerS() != null && !(fig.getOrDefault("max_ramp_kw_per_s", Double.NaN) <= x.maxRampKwPerS())) {
            f.add(String.format(Locale.ROOT, "ramp %.1f kW/s over 1 s, at most %.1f kW/s expected",
                    fig.getOrDefault("max_ramp_kw_per_s", Double.NaN), x.maxRampKwPerS()));
        }
        if (x.flexibleComputeLostPct() != null && fig.get("flexible_compute_lost_pct") > x.flexibleComputeLostPct()) {
            f.add(String.format(Locale.ROOT, "flexible compute lost: %.2f %%, at most %.2f %% expected",
                    fig.get("flexible_compute_lost_pct"), x.flexibleComputeLostPct()));
        }
        if (x.dataLost() != null && fig.get("data_lost") > x.dataLost()) {
            f.add(String.format(Locale.ROOT, "journal items lost: %.0f, at most %d expected", fig.get("data_lost"), x.dataLost()));
        }
        if (x.leaseLapses() != null && fig.containsKey("lease_lapses") && fig.get("lease_lapses") > x.leaseLapses()) {
            f.add(String.format(Locale.ROOT, "agents' leases lapsed to their safe cap %.0f time(s), at most %d expected",
                    fig.get("lease_lapses"), x.leaseLapses()));
        }
        if (x.drCompliancePct() != null && fig.containsKey("dr_compliance_pct")
                && fig.get("dr_compliance_pct") < x.drCompliancePct()) {
            f.add(String.format(Locale.ROOT, "DR compliance: %.1f %% of the event windows within the committed import, at least %.1f %% expected",
                    fig.get("dr_compliance_pct"), x.drCompliancePct()));
        }
        for (String a : x.alarmsRaised()) {
            if (alarms.stream().noneMatch(m -> m.contains(a))) {
                f.add("no alarm containing '" + a + "' was raised (raised: " + alarms + ")");
            }
        }
        return f;
    }

    /**
     * The nodes whose agent is not under a live lease of the running appliance's session with a table of that session
     * armed, with what is wrong, e.g. {@code r8-n8 (safe cap)}.
     */
    static List<String> uncommanded(Bench bench) {
        long session = bench.appliance().agentSession();
        List<String> out = new ArrayList<>();
        for (io.headroom.drivers.gpuprotocol.NodeAgent a : bench.agents()) {
            io.headroom.drivers.gpuprotocol.Health h = a.health();
            io.headroom.drivers.gpuprotocol.ContingencyTable t = a.armedTable();
            if (h.state() != io.headroom.drivers.gpuprotocol.LeaseState.CAPPED || h.session() != session) {
                out.add(a.name() + " (" + h.state().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
            } else if (t == null || t.session() != session) {
                out.add(a.name() + " (no contingency table armed)");
            }
        }
        return out;
    }

    /**
     * For one DR event, from the samples: the share (%) of its window, after a 5 s ramp, with the site's import
     * within the limit (+2 %), and the shed (W): the mean import in the 10 s before it was published, less the
     * mean import in the window.
     */
    static double[] drFigures(List<Sample> samples, Scenario.DrEvent dr) {
        double before = 0;
        int nb = 0;
        double during = 0;
        int nd = 0;
        int within = 0;
        for (Sample x : samples) {
            if (x.t() >= dr.atS() - 10 && x.t() < dr.atS()) {
                before += x.siteKw() * 1000;
                nb++;
            } else if (x.t() >= dr.startS() + 5 && x.t() < dr.endS()) {
                during += x.siteKw() * 1000;
                nd++;
                if (x.siteKw() * 1000 <= dr.limitW() * 1.02) {
                    within++;
                }
            }
        }
        double compliance = nd == 0 ? 0 : 100.0 * within / nd;
        double shed = nb == 0 || nd == 0 ? Double.NaN : before / nb - during / nd;
        return new double[]{compliance, shed};
    }

    /** Publishes a DR event on the bench VTN: an import capacity limit over its window, with usage and demand reports. */
    private static void publish(io.headroom.hil.LocalVtn vtn, Scenario.DrEvent dr, int n) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Instant start = Instant.now().plusMillis(Math.round(dr.noticeS() * 1000));
        var event = json.createObjectNode();
        event.put("id", "scenario-dr-" + n).put("programID", ScenarioBench.PROGRAM).put("eventName", "scenario DR " + n);
        event.putObject("intervalPeriod").put("start", start.toString())
                .put("duration", java.time.Duration.ofMillis(Math.round(dr.durationS() * 1000)).toString());
        event.putArray("reportDescriptors").add(json.createObjectNode().put("payloadType", "USAGE"))
                .add(json.createObjectNode().put("payloadType", "DEMAND"));
        var payload = json.createObjectNode().put("type", "IMPORT_CAPACITY_LIMIT");
        payload.putArray("values").add(dr.limitW() / 1000);
        var interval = json.createObjectNode().put("id", 0);
        interval.putArray("payloads").add(payload);
        event.putArray("intervals").add(interval);
        vtn.vtn().createEvent(event);
    }

    private static void apply(Bench bench, Scenario.Event e) throws InterruptedException {
        Plant p = bench.plant();
        switch (e) {
            case Scenario.FeedLoss l -> p.setFeedUp(l.feed(), false);
            case Scenario.FeedRestore r -> p.setFeedUp(r.feed(), true);
            case Scenario.Burst b -> p.forceBurst(b.durationS(), b.fraction());
            case Scenario.MeterFault m -> {
                p.meterFault(m.feed(), m.failed());
                if (!m.failed()) {
                    p.meterFreeze(m.feed(), false); // meterBack: a frozen meter follows the plant again too
                }
            }
            case Scenario.MeterFreeze m -> p.meterFreeze(m.feed(), true);
            case Scenario.BreakerTrip b -> p.tripBreaker(b.feed());
            case Scenario.MeterLies m -> p.meterLies(m.feed(), m.factor());
            case Scenario.AgentCrash a -> bench.agentCrash(a.node(), a.crashed());
            case Scenario.ApplianceRestart a -> bench.restartAppliance(a.downS());
            case Scenario.Network n -> {
                if (bench.network() == null) {
                    throw new IllegalStateException("a network event needs the bench's network relay "
                            + "(Bench.Options.withNetworkRelay(); ScenarioBench sets it for such a scenario)");
                }
                bench.network().impair(n.nodes(), new io.headroom.hil.NetImpairment.Impairment(n.loss(), n.delayS(),
                        n.jitterS()));
            }
            case Scenario.LoopHang h -> heartbeat(bench, h.loop()).drill(
                    new io.headroom.appliance.supervision.Drill.Hang(java.time.Duration.ofMillis(Math.round(h.forS() * 1000))));
            case Scenario.LoopFail f -> heartbeat(bench, f.loop()).drill(
                    new io.headroom.appliance.supervision.Drill.Fail("scenario drill"));
            case Scenario.DrEvent d -> throw new IllegalStateException("DR events are published, not applied");
        }
    }

    private static io.headroom.appliance.supervision.Heartbeat heartbeat(Bench bench, String loop) {
        io.headroom.appliance.supervision.Heartbeat h = bench.appliance().supervisor().heartbeat(loop);
        if (h == null) {
            throw new IllegalArgumentException("the appliance supervises no loop '" + loop + "' (it has: "
                    + bench.appliance().supervisor().check().loops().stream()
                    .map(io.headroom.appliance.supervision.Supervisor.Verdict::loop).toList() + ")");
        }
        return h;
    }

    /** Measures on the plant's step thread. */
    private static final class Probe {
        /** The appliance's latest state (the report's ceilings), and the agents' lease lapses so far. */
        final java.util.function.Supplier<SiteState> state;
        final java.util.function.LongSupplier lapses;
        final Site site;
        final Scenario sc;
        final double t0;
        final List<Feed> feeds;
        final BandPowerMonitor bands;
        final double[] demand0 = new double[Priority.values().length];
        final double[] delivered0 = new double[Priority.values().length];
        final List<Recovery> recoveries = new ArrayList<>();
        final List<Sample> samples = new ArrayList<>();
        int trips0 = -1;
        int trips;
        volatile long lapses0;
        double worstExposure;
        double peakFraction;
        boolean warm;
        double nextSampleS = Double.NEGATIVE_INFINITY;
        double nextBandS = Double.NEGATIVE_INFINITY;
        double bandSumW;
        int bandCount;
        // the feed loss being followed
        /** The feed of a loss (a feed lost or its breaker opened) to follow from the next step, or null. */
        volatile String pendingLoss;
        volatile double pendingAtS;
        String loss;
        double lossAtS;
        double backAtS = Double.NaN;
        double lastOverS = Double.NaN;

        Probe(java.util.function.Supplier<SiteState> state, java.util.function.LongSupplier lapses, Site site,
              Scenario sc, double t0) {
            this.state = state;
            this.lapses = lapses;
            this.site = site;
            this.sc = sc;
            this.t0 = t0;
            this.feeds = site.feeds();
            this.bands = new BandPowerMonitor(100, Math.max(10, Math.min(300, sc.durationS() - sc.warmupS())), 1.0);
        }

        /** 0.1–2 Hz, for the peak-to-peak figure (after {@link #BAND_SETTLE_S} of the filter settling). */
        final io.headroom.appliance.dsp.BandPass lowBand = new io.headroom.appliance.dsp.BandPass(0.1, 2, 100);
        static final double BAND_SETTLE_S = 20;
        double lowMin = Double.POSITIVE_INFINITY;
        double lowMax = Double.NEGATIVE_INFINITY;
        double bandMeanSumW;
        long bandSamples;
        volatile boolean contingencySeen;
        final double[] rampRing = new double[100]; // 1 s of the 100 S/s series
        long rampCount;
        double maxRampW;

        /**
         * Peak-to-peak of the site power in 0.1–2 Hz, % of its mean (NaN before the filter settled), in normal
         * operation: from {@link #BAND_SETTLE_S} after the warm-up to the first feed loss or breaker trip (as the
         * ramp figure {@code max_ramp_kw_per_s}, |P(t) − P(t − 1 s)|).
         */
        double bandPeakToPeakPct() {
            return bandSamples == 0 || lowMax < lowMin ? Double.NaN
                    : 100 * (lowMax - lowMin) / (bandMeanSumW / bandSamples);
        }

        void event(Scenario.Event e, double atS) {
            if (e instanceof Scenario.FeedLoss || e instanceof Scenario.BreakerTrip) {
                contingencySeen = true; // band and ramp figures are of normal operation: a contingency wins
            }
            if (e instanceof Scenario.FeedLoss l) {
                pendingAtS = atS;
                pendingLoss = l.feed();
            } else if (e instanceof Scenario.BreakerTrip b) {
                pendingAtS = atS;
                pendingLoss = b.feed();
            }
        }

        void stepped(Plant plant, double nowS, double dtS) {
            double t = nowS - t0;
            if (!warm && t >= sc.warmupS()) {
                warm = true;
                trips0 = plant.trips();
                for (Priority p : Priority.values()) {
                    demand0[p.ordinal()] = plant.demandJ(p);
                    delivered0[p.ordinal()] = plant.deliveredJ(p);
                }
                for (Feed f : feeds) {
                    plant.breaker(f.id()).markWorst();
                }
                lapses0 = lapses.getAsLong();
            }
            String pl = pendingLoss;
            if (pl != null) {
                pendingLoss = null;
                closeRecovery();
                loss = pl;
                lossAtS = pendingAtS;
                backAtS = Double.NaN;
                lastOverS = pendingAtS;
            }
            double siteW = 0;
            boolean anyOver = false;
            for (Feed f : feeds) {
                double frac = plant.feedCurrentA(f.id()) / f.limitA();
                siteW += plant.feedPowerW(f.id());
                if (warm) {
                    peakFraction = Math.max(peakFraction, frac);
                    worstExposure = Math.max(worstExposure, plant.breaker(f.id()).worstExposure());
                }
                if (loss != null && !f.id().equals(loss) && sameGroup(f.id(), loss) && frac > 1.0) {
                    anyOver = true;
                }
            }
            if (loss != null && t >= lossAtS) {
                if (anyOver) {
                    lastOverS = t;
                } else if (Double.isNaN(backAtS)) {
                    backAtS = t;
                }
            }
            if (warm) {
                trips = plant.trips() - trips0;
                bandSumW += siteW;
                bandCount++;
                if (t >= nextBandS) {
                    double w = bandSumW / bandCount;
                    double y = lowBand.step(w);
                    bandMeanSumW += w;
                    bandSamples++;
                    int at = (int) (rampCount++ % rampRing.length);
                    double before = rampRing[at];
                    rampRing[at] = w;
                    if (!contingencySeen && rampCount > rampRing.length) {
                        maxRampW = Math.max(maxRampW, Math.abs(w - before));
                    }
                    if (t >= sc.warmupS() + BAND_SETTLE_S && !contingencySeen) {
                        lowMin = Math.min(lowMin, y);
                        lowMax = Math.max(lowMax, y);
                    }
                    bands.add(bandSumW / bandCount);
                    bandSumW = 0;
                    bandCount = 0;
                    nextBandS = nextTick(nextBandS, t, BAND_EVERY_S);
                }
            }
            if (t >= nextSampleS) {
                samples.add(sample(plant, t, siteW));
                nextSampleS = nextTick(nextSampleS, t, SAMPLE_EVERY_S);
            }
        }

        /** The next time on a grid of {@code every} after {@code t} (from {@code t} itself the first time). */
        static double nextTick(double tick, double t, double every) {
            double next = Double.isInfinite(tick) ? t + every : tick + every;
            return next <= t ? t + every : next;
        }

        boolean sameGroup(String a, String b) {
            RedundancyGroup g = site.groupOfFeed(a);
            return g.feedIds().contains(b);
        }

        void closeRecovery() {
            if (loss != null) {
                double back = Double.isNaN(backAtS) ? Double.POSITIVE_INFINITY : (backAtS - lossAtS) * 1000;
                double settled = (lastOverS - lossAtS) * 1000;
                recoveries.add(new Recovery(loss, lossAtS, back, Math.max(settled, Double.isFinite(back) ? back : settled)));
                loss = null;
            }
        }

        void finish() {
            closeRecovery();
        }

        Sample sample(Plant plant, double t, double siteW) {
            int n = feeds.size();
            double[] frac = new double[n];
            double[] ceil = new double[n];
            boolean[] up = new boolean[n];
            SiteState s = state.get();
            for (int i = 0; i < n; i++) {
                Feed f = feeds.get(i);
                frac[i] = plant.feedCurrentA(f.id()) / f.limitA();
                up[i] = plant.feedUp(f.id());
                ceil[i] = Double.NaN;
                if (s != null) {
                    for (GroupDecision d : s.decisions()) {
                        for (Arbiter.Considered c : d.considered()) {
                            if (c.limit() instanceof Limit.FeedCeiling fc && fc.feedId().equals(f.id())) {
                                ceil[i] = fc.amps() / f.limitA();
                            }
                        }
                    }
                }
            }
            double[] capKw = new double[Priority.values().length];
            double[] powerKw = new double[Priority.values().length];
            for (PlantNode node : plant.nodes()) {
                int c = node.node().priority().ordinal();
                capKw[c] += node.limitPerGpuW() * node.gpuCount() / 1000;
                powerKw[c] += node.gpuPowerW() / 1000;
            }
            List<PlantBank> banks = plant.banks();
            double[] soc = new double[banks.size()];
            for (int i = 0; i < banks.size(); i++) {
                soc[i] = banks.get(i).socFraction() * 100;
            }
            return new Sample(t, frac, ceil, up, capKw, powerKw, soc, siteW / 1000);
        }
    }
}
