package io.headroom.hil.scenario;

import io.headroom.appliance.site.Quantity;
import io.headroom.appliance.site.Site;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bench scenario: a timeline of faults and loads played against the bench in real time, and what must hold.
 * Loaded from YAML ({@code hil-tests/scenarios/*.yaml}; the format is in hil-tests/README.md); every error is
 * reported at once, naming the file, the event and the field.
 *
 * @param warmupS figures count from here: before it the bench settles from its start
 */
public record Scenario(String name, String description, double durationS, double warmupS, List<Event> events,
                       Expectations expect, Path file, String workload, boolean openadr, PlantModel plant) {

    /**
     * The plant's cap-response model for the run: caps enforced {@code capDelayS} after they are set, GPUs above a
     * new cap settling to it with time constant {@code capSettlingS}, per-board telemetry error up to
     * ±{@code telemetryError} (a fraction). All 0 by default (caps at once, exact telemetry). The CT/PT streams
     * run at {@code waveformRateHz} samples/s, NaN when the scenario does not say (the bench's rate then).
     */
    public record PlantModel(double capDelayS, double capSettlingS, double telemetryError, double waveformRateHz) {
        public static final PlantModel IDEAL = new PlantModel(0, 0, 0);

        public PlantModel(double capDelayS, double capSettlingS, double telemetryError) {
            this(capDelayS, capSettlingS, telemetryError, Double.NaN);
        }

        /** The scenario's stream rate, or {@code otherwise} when it gives none. */
        public double waveformRateOr(double otherwise) {
            return Double.isNaN(waveformRateHz) ? otherwise : waveformRateHz;
        }

        /** Whether caps respond at once and telemetry is exact (the rate aside). */
        public boolean idealResponse() {
            return capDelayS == 0 && capSettlingS == 0 && telemetryError == 0;
        }
    }

    /**
     * A sample rate: {@code "4.8 kS/s"}, {@code "48000 S/s"}, {@code "1 MS/s"} or a plain number of samples per
     * second, within the bench's range.
     */
    public static double sampleRate(String text) {
        double v;
        try {
            v = Quantity.isPlainNumber(text.strip()) ? Double.parseDouble(text.strip())
                    : Quantity.parse(text, Quantity.Kind.SAMPLE_RATE);
        } catch (Quantity.QuantityFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a sample rate (say e.g. 4.8 kS/s or 48000 S/s)", e);
        }
        if (!(v >= io.headroom.hil.Bench.MIN_WAVEFORM_RATE_HZ && v <= io.headroom.hil.Bench.MAX_WAVEFORM_RATE_HZ)) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s outside the bench's %.0f S/s to %.0f MS/s", text, io.headroom.hil.Bench.MIN_WAVEFORM_RATE_HZ,
                    io.headroom.hil.Bench.MAX_WAVEFORM_RATE_HZ / 1e6));
        }
        return v;
    }

    /** The bench's default workload (bursty, mean-reverting per class). */
    public static final String BURSTY = "bursty";
    /** The calibrated models of the capacity study (training dips and spikes, inference bursts, job ramps). */
    public static final String CALIBRATED = "calibrated";
    /**
     * One synchronous training job on every flexible node ({@link io.headroom.hil.study.SynchronousTraining}): 4 s
     * iterations, half of each in compute at 0.9 of TDP, communication at 0.9 / 1.86 (the nodes swing ±30 % around
     * their mean), running throughout.
     */
    public static final String SYNCHRONOUS = "synchronous";

    public Scenario(String name, String description, double durationS, double warmupS, List<Event> events,
                    Expectations expect, Path file) {
        this(name, description, durationS, warmupS, events, expect, file, BURSTY, false, PlantModel.IDEAL);
    }

    /** One thing that happens at {@code atS} seconds of plant time. */
    public sealed interface Event permits FeedLoss, FeedRestore, Burst, MeterFault, MeterLies, MeterFreeze, BreakerTrip,
            AgentCrash, ApplianceRestart, DrEvent, Network, LoopHang, LoopFail {
        double atS();

        /** In words, for logs and reports. */
        String describe();
    }

    /** A feed lost (its supply gone; its breaker need not trip). */
    public record FeedLoss(double atS, String feed) implements Event {
        public String describe() {
            return "feed " + feed + " lost";
        }
    }

    /**
     * A feed's breaker opens (a shunt trip, a protection relay): the feed is lost as with {@link FeedLoss}, and its
     * breaker's auxiliary contact opens; not counted as an overload trip. {@link FeedRestore} recloses it.
     */
    public record BreakerTrip(double atS, String feed) implements Event {
        public String describe() {
            return "breaker of feed " + feed + " trips open";
        }
    }

    /** A lost or tripped feed back (its breaker reclosed). */
    public record FeedRestore(double atS, String feed) implements Event {
        public String describe() {
            return "feed " + feed + " restored";
        }
    }

    /** Every node to {@code fraction} of its GPUs' maximum for {@code durationS} (a synchronized job start). */
    public record Burst(double atS, double fraction, double durationS) implements Event {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "burst to %.0f %% for %.1f s", fraction * 100, durationS);
        }
    }

    /** A feed's meter fails (answers with Modbus exceptions) or comes back. */
    public record MeterFault(double atS, String feed, boolean failed) implements Event {
        public String describe() {
            return "meter of feed " + feed + (failed ? " fails" : " back");
        }
    }

    /**
     * A feed's meter keeps answering with the values it had (stale telemetry that looks fresh: a gateway serving its
     * cache for a dead meter) until {@code meterBack}.
     */
    public record MeterFreeze(double atS, String feed) implements Event {
        public String describe() {
            return "meter of feed " + feed + " frozen at its last values";
        }
    }

    /** A feed's meter reports {@code factor} × the truth from now on (1: honest again). */
    public record MeterLies(double atS, String feed, double factor) implements Event {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "meter of feed %s reports %.2f × the truth", feed, factor);
        }
    }

    /**
     * A drill on one of the appliance's supervised loops ({@code protection}, {@code regulation}, {@code journal-writer},
     * {@code waveform-A}, …): its thread hangs for {@code forS} (a deadlock, a hung write: to the outside, a dead loop),
     * then goes on.
     */
    public record LoopHang(double atS, String loop, double forS) implements Event {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "loop %s hangs for %.1f s", loop, forS);
        }
    }

    /** A drill: one of the appliance's supervised loops fails with an error at its next pass (its guard must hold). */
    public record LoopFail(double atS, String loop) implements Event {
        public String describe() {
            return "loop " + loop + " fails (an error thrown in it)";
        }
    }

    /**
     * An alarm that must be raised within {@code withinS} of {@code afterS} (scenario time): the figure
     * {@code alarm_N_after_s} says how long it took.
     */
    public record TimedAlarm(String text, double afterS, double withinS) {
    }

    /** A node's agent process dies (no answers, its GPUs keep the limit they had) or is started again. */
    public record AgentCrash(double atS, String node, boolean crashed) implements Event {
        public String describe() {
            return "agent of " + node + (crashed ? " crashes" : " restarts");
        }
    }

    /**
     * A demand-response event published on the bench VTN (OpenADR 3.1): the site's import at most {@code limitW}
     * for {@code durationS}, starting {@code noticeS} after it is published. Needs {@code openadr: true}.
     */
    public record DrEvent(double atS, double limitW, double durationS, double noticeS) implements Event {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "DR event: import at most %.0f kW for %.0f s, %.0f s from now",
                    limitW / 1000, durationS, noticeS);
        }

        /** The event's window in plant time, s. */
        public double startS() {
            return atS + noticeS;
        }

        public double endS() {
            return atS + noticeS + durationS;
        }
    }

    /**
     * From now on, the network between the appliance and the agents of {@code nodes} (every agent when null) loses
     * each datagram with probability {@code loss} and delays the others by {@code delayS ± jitterS}, both ways
     * (all zero: clean again). The bench runs such a scenario with its {@link io.headroom.hil.NetImpairment} relay.
     */
    public record Network(double atS, List<String> nodes, double loss, double delayS, double jitterS) implements Event {
        public String describe() {
            String who = nodes == null ? "every agent" : String.join(", ", nodes);
            return loss == 0 && delayS == 0 && jitterS == 0 ? "network to " + who + " clean again"
                    : String.format(java.util.Locale.ROOT, "network to %s: %.0f %% loss, %.0f ± %.0f ms one way", who,
                    loss * 100, delayS * 1000, jitterS * 1000);
        }
    }

    /** Whether the scenario impairs the network (then the bench needs its relay). */
    public boolean impairsNetwork() {
        return events.stream().anyMatch(e -> e instanceof Network);
    }

    /** The appliance stopped, and started again {@code downS} later on the same data (events during it wait). */
    public record ApplianceRestart(double atS, double downS) implements Event {
        public String describe() {
            return String.format(java.util.Locale.ROOT, "appliance stopped for %.1f s and restarted", downS);
        }
    }

    /**
     * What must hold; a null field is not checked.
     *
     * @param trips                  breaker trips (normally 0)
     * @param recoveryMs             after each feed loss, every survivor back within its continuous limit within
     * @param worstTripMarginUsed    the highest fraction of any breaker's allowed time used
     * @param criticalComputeLostPct compute lost to caps by critical work, at most, %
     * @param flexibleComputeLostPct the same for flexible work
     * @param dataLost               journal items dropped, at most
     * @param alarmsRaised           alarm texts that must have been raised (substrings)
     * @param drCompliancePct        of every DR event's window (after a 5 s ramp), the share of time the site's
     *                               import was within its limit (+2 %), at least, %
     * @param leaseLapses            agents' leases that lapsed to their safe cap after the warm-up, at most
     * @param uncommandedAgents      agents that, at the end, are not under a live lease of the running appliance
     *                               with its contingency table armed (a crashed agent, restarted, must have been
     *                               recaptured), at most
     */
    /**
     * @param band0p1to2HzPct the most peak-to-peak swing of the site power band-passed to 0.1–2 Hz, % of its mean
     *                        (null: not checked)
     * @param maxRampKwPerS   the most |P(t) − P(t − 1 s)| of the site power, kW/s (null: not checked)
     */
    public record Expectations(Integer trips, Double recoveryMs, Double worstTripMarginUsed,
                               Double criticalComputeLostPct, Double flexibleComputeLostPct, Long dataLost,
                               List<String> alarmsRaised, Double drCompliancePct, Integer leaseLapses,
                               Integer uncommandedAgents, List<TimedAlarm> alarmsWithin, Double band0p1to2HzPct,
                               Double maxRampKwPerS) {
        public Expectations {
            alarmsWithin = alarmsWithin == null ? List.of() : List.copyOf(alarmsWithin);
        }

        public Expectations(Integer trips, Double recoveryMs, Double worstTripMarginUsed,
                            Double criticalComputeLostPct, Double flexibleComputeLostPct, Long dataLost,
                            List<String> alarmsRaised, Double drCompliancePct, Integer leaseLapses,
                            Integer uncommandedAgents, List<TimedAlarm> alarmsWithin) {
            this(trips, recoveryMs, worstTripMarginUsed, criticalComputeLostPct, flexibleComputeLostPct, dataLost,
                    alarmsRaised, drCompliancePct, leaseLapses, uncommandedAgents, alarmsWithin, null, null);
        }

        public Expectations(Integer trips, Double recoveryMs, Double worstTripMarginUsed, Double criticalComputeLostPct,
                            Double flexibleComputeLostPct, Long dataLost, List<String> alarmsRaised) {
            this(trips, recoveryMs, worstTripMarginUsed, criticalComputeLostPct, flexibleComputeLostPct, dataLost,
                    alarmsRaised, null, null, null, List.of());
        }
    }

    /** The synchronous workload's job, its events from {@code t0S} (the scenario's start in plant time) on. */
    public io.headroom.hil.study.SynchronousTraining.Settings training() {
        return new io.headroom.hil.study.SynchronousTraining.Settings(4.0, 0.5, 0.50, 1.3 / 0.7, 0.12, 0.030, 0.010, 8);
    }

    /**
     * The synchronous workload's job events, in plant time from {@code t0S}: none (the job runs throughout; its
     * checkpoints, stops and starts are the {@code band-limits} benchmark's, where the scheduler announces them).
     */
    public List<io.headroom.hil.study.SynchronousTraining.Event> trainingEvents(double t0S) {
        return List.of();
    }

    /** A scenario file that does not load: every problem, each with where it is. */
    public static final class InvalidScenario extends Exception {
        private final List<String> errors;

        InvalidScenario(Path file, List<String> errors) {
            super(file + ": " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + ":\n  "
                    + String.join("\n  ", errors));
            this.errors = List.copyOf(errors);
        }

        public List<String> errors() {
            return errors;
        }
    }

    private static final Set<String> TOP = Set.of("name", "description", "duration", "warmup", "events", "expect",
            "workload", "openadr", "plant");
    private static final Set<String> KINDS = Set.of("feedLoss", "feedRestore", "burst", "meterFault", "meterBack",
            "meterLies", "meterFreeze", "breakerTrip", "agentCrash", "agentRestart", "applianceRestart", "drEvent",
            "network", "loopHang", "loopFail");
    private static final Set<String> EXPECT = Set.of("trips", "recovery", "worstTripMarginUsed",
            "criticalComputeLostPct", "flexibleComputeLostPct", "dataLost", "alarmsRaised", "drCompliancePct",
            "leaseLapses", "uncommandedAgents", "band0p1to2HzPct", "maxRampKwPerS");

    /** Loads and checks a scenario against the site it will run on (feed and node ids must exist). */
    public static Scenario load(Path file, Site site) throws InvalidScenario, IOException {
        String text = Files.readString(file);
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (MarkedYAMLException e) {
            throw new InvalidScenario(file, List.of("line " + (e.getProblemMark().getLine() + 1) + ", column "
                    + (e.getProblemMark().getColumn() + 1) + ": " + e.getProblem()));
        }
        List<String> errors = new ArrayList<>();
        if (!(doc instanceof Map<?, ?> top)) {
            throw new InvalidScenario(file, List.of("the file must be a mapping with name, duration, events, expect"));
        }
        for (Object k : top.keySet()) {
            if (!TOP.contains(String.valueOf(k))) {
                errors.add("unknown key '" + k + "' (known: " + String.join(", ", new java.util.TreeSet<>(TOP)) + ")");
            }
        }
        String name = top.get("name") instanceof String s && !s.isBlank() ? s : null;
        if (name == null) {
            errors.add("name: required, a word such as feed-loss-at-full-load");
        } else if (!name.matches("[A-Za-z0-9._-]+")) {
            errors.add("name: '" + name + "' may hold only letters, digits, '.', '_' and '-' (it names the report's folder)");
        }
        String description = top.get("description") == null ? "" : String.valueOf(top.get("description"));
        double duration = seconds(top.get("duration"), "duration", errors, true);
        double warmup = top.containsKey("warmup") ? seconds(top.get("warmup"), "warmup", errors, false) : 5;
        if (duration > 3600) {
            errors.add("duration: at most 1 h, got " + top.get("duration"));
        }
        if (!Double.isNaN(duration) && !Double.isNaN(warmup) && warmup >= duration) {
            errors.add(top.containsKey("warmup")
                    ? "warmup: " + top.get("warmup") + " is not shorter than the duration " + top.get("duration")
                    : "duration: " + top.get("duration") + " is not longer than the default warmup of 5 s (the bench "
                            + "settles for 5 s before the events): give a longer duration, or a shorter warmup: key");
        }
        List<Event> events = new ArrayList<>();
        if (!(top.get("events") instanceof List<?> list)) {
            errors.add("events: required, a list of {at: TIME, KIND: ...}");
        } else {
            for (int i = 0; i < list.size(); i++) {
                Event e = event(list.get(i), "events[" + i + "]", site, duration, errors);
                if (e != null) {
                    events.add(e);
                }
            }
        }
        events.sort(Comparator.comparingDouble(Event::atS));
        Expectations expect = expectations(top.get("expect"), errors);
        String workload = top.get("workload") == null ? BURSTY : String.valueOf(top.get("workload"));
        if (!workload.equals(BURSTY) && !workload.equals(CALIBRATED) && !workload.equals(SYNCHRONOUS)) {
            errors.add("workload: '" + workload + "' is not bursty, calibrated or synchronous");
        }
        Object oa = top.get("openadr");
        if (oa != null && !(oa instanceof Boolean)) {
            errors.add("openadr: must be true or false, got " + oa);
        }
        boolean openadr = Boolean.TRUE.equals(oa);
        if (!openadr && events.stream().anyMatch(e -> e instanceof DrEvent)) {
            errors.add("events: a drEvent needs 'openadr: true' (the bench enrolled with its VTN)");
        }
        PlantModel plant = PlantModel.IDEAL;
        if (top.get("plant") != null) {
            if (!(top.get("plant") instanceof Map<?, ?> pm)
                    || !Set.of("capDelay", "capSettling", "telemetryError", "waveformRate").containsAll(pm.keySet())) {
                errors.add("plant: must be {capDelay: TIME, capSettling: TIME, telemetryError: PERCENT, waveformRate: RATE}");
            } else {
                double delay = pm.containsKey("capDelay") ? seconds(pm.get("capDelay"), "plant.capDelay", errors, true) : 0;
                double settling = pm.containsKey("capSettling") ? seconds(pm.get("capSettling"), "plant.capSettling", errors, true) : 0;
                double error = 0;
                if (pm.containsKey("telemetryError")) {
                    try {
                        error = Quantity.fraction(String.valueOf(pm.get("telemetryError")));
                        if (error < 0 || error > 0.5) {
                            errors.add("plant.telemetryError: 0 to 50 %, got " + pm.get("telemetryError"));
                        }
                    } catch (IllegalArgumentException ex) {
                        errors.add("plant.telemetryError: " + ex.getMessage());
                    }
                }
                double rate = Double.NaN;
                if (pm.containsKey("waveformRate")) {
                    try {
                        rate = sampleRate(String.valueOf(pm.get("waveformRate")));
                    } catch (IllegalArgumentException ex) {
                        errors.add("plant.waveformRate: " + ex.getMessage());
                    }
                }
                plant = new PlantModel(Double.isNaN(delay) ? 0 : delay, Double.isNaN(settling) ? 0 : settling, error, rate);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidScenario(file, errors);
        }
        return new Scenario(name, description, duration, warmup, List.copyOf(events), expect, file, workload, openadr, plant);
    }

    private static Event event(Object o, String where, Site site, double duration, List<String> errors) {
        if (!(o instanceof Map<?, ?> m)) {
            errors.add(where + ": must be a mapping such as {at: 10 s, feedLoss: A}");
            return null;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        m.forEach((k, v) -> e.put(String.valueOf(k), v));
        double at = seconds(e.remove("at"), where + ".at", errors, true);
        if (!Double.isNaN(at) && !Double.isNaN(duration) && at >= duration) {
            errors.add(where + ".at: " + at + " s is not before the end of the scenario (" + duration + " s)");
        }
        if (e.size() != 1) {
            errors.add(where + ": needs exactly one of " + String.join(", ", new java.util.TreeSet<>(KINDS))
                    + " besides 'at', got " + e.keySet());
            return null;
        }
        String kind = e.keySet().iterator().next();
        Object v = e.get(kind);
        String w = where + "." + kind;
        switch (kind) {
            case "feedLoss", "feedRestore", "meterFault", "meterBack", "meterFreeze", "breakerTrip" -> {
                String feed = feed(v, w, site, errors);
                if (feed == null || Double.isNaN(at)) {
                    return null;
                }
                return switch (kind) {
                    case "feedLoss" -> new FeedLoss(at, feed);
                    case "feedRestore" -> new FeedRestore(at, feed);
                    case "meterFault" -> new MeterFault(at, feed, true);
                    case "meterFreeze" -> new MeterFreeze(at, feed);
                    case "breakerTrip" -> new BreakerTrip(at, feed);
                    default -> new MeterFault(at, feed, false);
                };
            }
            case "meterLies" -> {
                if (!(v instanceof Map<?, ?> lm) || !lm.keySet().equals(Set.of("feed", "factor"))) {
                    errors.add(w + ": must be {feed: ID, factor: NUMBER}");
                    return null;
                }
                String feed = feed(lm.get("feed"), w + ".feed", site, errors);
                double factor = number(lm.get("factor"), w + ".factor", 0, 10, errors);
                return feed == null || Double.isNaN(factor) || Double.isNaN(at) ? null : new MeterLies(at, feed, factor);
            }
            case "burst" -> {
                if (!(v instanceof Map<?, ?> bm) || !Set.of("fraction", "duration").containsAll(bm.keySet())
                        || !bm.containsKey("duration")) {
                    errors.add(w + ": must be {fraction: 0..1 (default 1), duration: TIME}");
                    return null;
                }
                double fraction = bm.containsKey("fraction") ? number(bm.get("fraction"), w + ".fraction", 0, 1, errors) : 1;
                double d = seconds(bm.get("duration"), w + ".duration", errors, true);
                return Double.isNaN(fraction) || Double.isNaN(d) || Double.isNaN(at) ? null : new Burst(at, fraction, d);
            }
            case "drEvent" -> {
                if (!(v instanceof Map<?, ?> dm) || !dm.keySet().containsAll(Set.of("importLimit", "duration"))
                        || !Set.of("importLimit", "duration", "notice").containsAll(dm.keySet())) {
                    errors.add(w + ": must be {importLimit: POWER, duration: TIME, notice: TIME (default 3 s)}");
                    return null;
                }
                double limit;
                try {
                    limit = Quantity.watts(String.valueOf(dm.get("importLimit")));
                } catch (IllegalArgumentException ex) {
                    errors.add(w + ".importLimit: " + ex.getMessage());
                    return null;
                }
                double d = seconds(dm.get("duration"), w + ".duration", errors, true);
                double notice = dm.containsKey("notice") ? seconds(dm.get("notice"), w + ".notice", errors, true) : 3;
                return Double.isNaN(d) || Double.isNaN(notice) || Double.isNaN(at) ? null : new DrEvent(at, limit, d, notice);
            }
            case "applianceRestart" -> {
                if (!(v instanceof Map<?, ?> am) || !am.keySet().equals(Set.of("down"))) {
                    errors.add(w + ": must be {down: TIME} (how long the appliance stays stopped)");
                    return null;
                }
                double down = seconds(am.get("down"), w + ".down", errors, true);
                return Double.isNaN(down) || Double.isNaN(at) ? null : new ApplianceRestart(at, down);
            }
            case "network" -> {
                if (!(v instanceof Map<?, ?> nm) || !Set.of("loss", "delay", "jitter", "nodes").containsAll(nm.keySet())
                        || nm.isEmpty()) {
                    errors.add(w + ": must be {loss: PERCENT, delay: TIME, jitter: TIME, nodes: [ID, ...] (default: "
                            + "every agent)}; what is left out is 0");
                    return null;
                }
                double loss = 0;
                if (nm.containsKey("loss")) {
                    try {
                        loss = Quantity.fraction(String.valueOf(nm.get("loss")));
                        if (!(loss >= 0 && loss <= 1)) {
                            errors.add(w + ".loss: 0 to 100 %, got " + nm.get("loss"));
                            loss = Double.NaN;
                        }
                    } catch (IllegalArgumentException ex) {
                        errors.add(w + ".loss: " + ex.getMessage());
                        loss = Double.NaN;
                    }
                }
                double delay = nm.containsKey("delay") ? seconds(nm.get("delay"), w + ".delay", errors, true) : 0;
                double jitter = nm.containsKey("jitter") ? seconds(nm.get("jitter"), w + ".jitter", errors, true) : 0;
                for (double x : new double[]{delay, jitter}) {
                    if (x > 10) {
                        errors.add(w + ": a delay or jitter of at most 10 s, got " + x + " s");
                        return null;
                    }
                }
                List<String> nodes = null;
                if (nm.containsKey("nodes")) {
                    if (!(nm.get("nodes") instanceof List<?> l) || l.isEmpty()) {
                        errors.add(w + ".nodes: must be a non-empty list of node ids");
                        return null;
                    }
                    nodes = new ArrayList<>();
                    for (Object n : l) {
                        String id = String.valueOf(n);
                        if (site.nodes().stream().noneMatch(x -> x.id().equals(id))) {
                            errors.add(w + ".nodes: no node '" + id + "' in site " + site.name());
                        }
                        nodes.add(id);
                    }
                    nodes = List.copyOf(nodes);
                }
                return Double.isNaN(loss) || Double.isNaN(delay) || Double.isNaN(jitter) || Double.isNaN(at) ? null
                        : new Network(at, nodes, loss, delay, jitter);
            }
            case "loopHang" -> {
                if (!(v instanceof Map<?, ?> lm) || !lm.keySet().equals(Set.of("loop", "for"))) {
                    errors.add(w + ": must be {loop: NAME, for: TIME} (protection, regulation, journal-writer, waveform-FEED)");
                    return null;
                }
                double d = seconds(lm.get("for"), w + ".for", errors, true);
                return Double.isNaN(d) || Double.isNaN(at) ? null : new LoopHang(at, String.valueOf(lm.get("loop")), d);
            }
            case "loopFail" -> {
                if (!(v instanceof String loop) || loop.isBlank()) {
                    errors.add(w + ": must name a loop (protection, regulation, journal-writer, waveform-FEED)");
                    return null;
                }
                return Double.isNaN(at) ? null : new LoopFail(at, loop);
            }
            case "agentCrash", "agentRestart" -> {
                String node = v == null ? null : String.valueOf(v);
                if (node == null || site.nodes().stream().noneMatch(n -> n.id().equals(node))) {
                    errors.add(w + ": no node '" + node + "' in site " + site.name());
                    return null;
                }
                return Double.isNaN(at) ? null : new AgentCrash(at, node, kind.equals("agentCrash"));
            }
            default -> {
                errors.add(where + ": unknown event '" + kind + "' (known: " + String.join(", ", new java.util.TreeSet<>(KINDS)) + ")");
                return null;
            }
        }
    }

    private static Expectations expectations(Object o, List<String> errors) {
        if (o == null) {
            return new Expectations(0, null, null, null, null, 0L, List.of());
        }
        if (!(o instanceof Map<?, ?> m)) {
            errors.add("expect: must be a mapping (trips, recovery, worstTripMarginUsed, …)");
            return null;
        }
        for (Object k : m.keySet()) {
            if (!EXPECT.contains(String.valueOf(k))) {
                errors.add("expect: unknown key '" + k + "' (known: " + String.join(", ", new java.util.TreeSet<>(EXPECT)) + ")");
            }
        }
        Integer trips = m.containsKey("trips") ? (int) number(m.get("trips"), "expect.trips", 0, 1000, errors) : 0;
        Double recovery = m.containsKey("recovery") ? seconds(m.get("recovery"), "expect.recovery", errors, true) * 1000 : null;
        Double margin = m.containsKey("worstTripMarginUsed") ? number(m.get("worstTripMarginUsed"), "expect.worstTripMarginUsed", 0, 1, errors) : null;
        Double critical = m.containsKey("criticalComputeLostPct") ? number(m.get("criticalComputeLostPct"), "expect.criticalComputeLostPct", 0, 100, errors) : null;
        Double flexible = m.containsKey("flexibleComputeLostPct") ? number(m.get("flexibleComputeLostPct"), "expect.flexibleComputeLostPct", 0, 100, errors) : null;
        Long lost = m.containsKey("dataLost") ? (long) number(m.get("dataLost"), "expect.dataLost", 0, 1e12, errors) : 0L;
        Double dr = m.containsKey("drCompliancePct") ? number(m.get("drCompliancePct"), "expect.drCompliancePct", 0, 100, errors) : null;
        List<String> alarms = new ArrayList<>();
        List<TimedAlarm> timed = new ArrayList<>();
        if (m.containsKey("alarmsRaised")) {
            if (m.get("alarmsRaised") instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    Object x = l.get(i);
                    if (x instanceof Map<?, ?> tm) {
                        String w = "expect.alarmsRaised[" + i + "]";
                        if (!tm.keySet().equals(Set.of("text", "after", "within"))) {
                            errors.add(w + ": must be a text, or {text: TEXT, after: TIME, within: TIME}");
                            continue;
                        }
                        double after = seconds(tm.get("after"), w + ".after", errors, true);
                        double within = seconds(tm.get("within"), w + ".within", errors, true);
                        if (!Double.isNaN(after) && !Double.isNaN(within)) {
                            timed.add(new TimedAlarm(String.valueOf(tm.get("text")), after, within));
                        }
                    } else {
                        alarms.add(String.valueOf(x));
                    }
                }
            } else {
                errors.add("expect.alarmsRaised: must be a list of texts the alarms must contain");
            }
        }
        Integer lapses = m.containsKey("leaseLapses") ? (int) number(m.get("leaseLapses"), "expect.leaseLapses", 0, 1e6, errors) : null;
        Integer uncommanded = m.containsKey("uncommandedAgents")
                ? (int) number(m.get("uncommandedAgents"), "expect.uncommandedAgents", 0, 1e6, errors) : null;
        Double band = m.containsKey("band0p1to2HzPct")
                ? number(m.get("band0p1to2HzPct"), "expect.band0p1to2HzPct", 0, 1000, errors) : null;
        Double ramp = m.containsKey("maxRampKwPerS")
                ? number(m.get("maxRampKwPerS"), "expect.maxRampKwPerS", 0, 1e9, errors) : null;
        return new Expectations(trips, recovery, margin, critical, flexible, lost, List.copyOf(alarms), dr, lapses,
                uncommanded, timed, band, ramp);
    }

    private static String feed(Object v, String where, Site site, List<String> errors) {
        String id = v == null ? null : String.valueOf(v);
        if (id == null || site.feed(id).isEmpty()) {
            errors.add(where + ": no feed '" + id + "' in site " + site.name() + " (feeds: "
                    + String.join(", ", site.feeds().stream().map(io.headroom.appliance.site.Feed::id).toList()) + ")");
            return null;
        }
        return id;
    }

    private static double seconds(Object v, String where, List<String> errors, boolean required) {
        if (v == null) {
            if (required) {
                errors.add(where + ": required, a time such as 10 s or 500 ms");
            }
            return Double.NaN;
        }
        try {
            long ms = Quantity.millis(String.valueOf(v));
            if (ms < 0) {
                errors.add(where + ": must not be negative, got " + v);
                return Double.NaN;
            }
            return ms / 1000.0;
        } catch (IllegalArgumentException e) {
            errors.add(where + ": " + e.getMessage());
            return Double.NaN;
        }
    }

    private static double number(Object v, String where, double min, double max, List<String> errors) {
        if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            errors.add(where + ": must be a number from " + fmt(min) + " to " + fmt(max) + ", got " + v);
            return Double.NaN;
        }
        return n.doubleValue();
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
    }
}
