package io.headroom.appliance.field;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.journal.JournalLog;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.GpioSettings;
import io.headroom.appliance.site.Site;
import io.headroom.common.DaemonThreads;
import io.headroom.drivers.gpio.DebouncedInput;
import io.headroom.drivers.gpio.Gpio;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.gpio.IndicatorOutput;
import io.headroom.drivers.gpio.InputSpec;
import io.headroom.drivers.gpio.OutputSpec;
import io.headroom.drivers.gpio.WatchdogKicker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The appliance's GPIO header, from the site file's {@code gpio:} section:
 * <ul>
 *   <li>a breaker auxiliary contact that opens, or an undervoltage relay that asserts, is a lost feed: it goes into
 *       the protection loop's mailbox exactly like a waveform detection (with the contact's first-edge time);</li>
 *   <li>the alarm relay is energised while any alarm is raised; the status lamp is on while regulation ticks and
 *       blinks when it stalls;</li>
 *   <li>the hardware watchdog (a pin toggled for an external watchdog) is kicked only while regulation ticks and every
 *       supervised loop runs (protection, waveform DSP, regulation, journal writer), so a hung appliance is reset by
 *       the board.</li>
 * </ul>
 */
public final class FieldIo implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FieldIo.class);
    /** Regulation is stalled when its tick has not advanced for this long. */
    static final long STALL_NANOS = 2_000_000_000L;

    private final Gpio gpio;
    private final List<DebouncedInput> inputs = new ArrayList<>();
    /** The site file's declaration of each of {@link #inputs}, in the same order. */
    private final List<GpioSettings.Input> inputSettings = new ArrayList<>();
    private String siteName;
    private final List<IndicatorOutput> alarmRelays = new ArrayList<>();
    private final List<IndicatorOutput> statusLamps = new ArrayList<>();
    private final WatchdogKicker watchdog;
    private final ScheduledExecutorService thread;
    private final Supplier<SiteState> state;
    private final Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision;
    private long lastTick = -1;
    private final io.headroom.appliance.clock.MonotonicClock clock;
    private long lastTickChangeNanos;
    private long sequence;

    private FieldIo(Gpio gpio, WatchdogKicker watchdog, Supplier<SiteState> state,
                    Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision,
                    io.headroom.appliance.clock.MonotonicClock clock) {
        this.clock = clock;
        this.lastTickChangeNanos = clock.nanos();
        this.gpio = gpio;
        this.watchdog = watchdog;
        this.state = state;
        this.supervision = supervision;
        this.thread = DaemonThreads.scheduler("field-io");
    }

    /** Opens the site's GPIO, or returns null when the site declares none; no loop supervision but regulation's tick. */
    public static FieldIo open(Site site, GpioProvider provider, ProtectionLoop protection, Supplier<SiteState> state,
                               Journal journal, Clock utc) {
        return open(site, provider, protection, state, journal,
                new io.headroom.appliance.clock.Clocks(io.headroom.appliance.clock.Clocks.system().monotonic(), utc), null);
    }

    /**
     * Opens the site's GPIO, or returns null when the site declares none. With {@code supervision} (the loops'
     * {@link io.headroom.appliance.supervision.Supervisor#check}), a stalled or stopped loop stops the watchdog kicks,
     * energises the alarm relay and blinks the lamp, as a stalled regulation does.
     */
    public static FieldIo open(Site site, GpioProvider provider, ProtectionLoop protection, Supplier<SiteState> state,
                               Journal journal, io.headroom.appliance.clock.Clocks clocks,
                               Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision) {
        Clock utc = clocks.utc();
        GpioSettings g = site.gpio();
        if (g.inputs().isEmpty() && g.outputs().isEmpty() && (g.watchdog() == null || g.watchdog().pin() == null)) {
            return null;
        }
        Gpio gpio = provider == null ? Gpio.open() : Gpio.open(provider);
        try {
            WatchdogKicker wd = g.watchdog() != null && g.watchdog().pin() != null
                    ? gpio.watchdog(g.watchdog().pin(), Duration.ofMillis(g.watchdog().kickMs())) : null;
            FieldIo io = new FieldIo(gpio, wd, state, supervision, clocks.monotonic());
            io.siteName = site.name();
            for (GpioSettings.Input in : g.inputs()) {
                // An undervoltage relay may watch the whole site rather than one feed: then it is journaled only.
                int feedIndex = in.feedId() == null ? -1 : site.feeds().indexOf(site.feed(in.feedId()).orElseThrow());
                InputSpec.Pull pull = switch (in.pull()) {
                    case "up" -> InputSpec.Pull.UP;
                    case "down" -> InputSpec.Pull.DOWN;
                    default -> InputSpec.Pull.NONE;
                };
                DebouncedInput d = gpio.input(new InputSpec(in.id(), in.pin(), !in.activeLow(), pull,
                        Duration.ofMillis(in.debounceMs())));
                boolean breaker = "breaker-aux".equals(in.kind());
                var listener = feedIndex < 0 ? null : protection.listenerFor(feedIndex);
                d.addListener(edge -> {
                    // A breaker contact asserted = breaker closed; an undervoltage relay asserted = voltage lost.
                    boolean lost = breaker ? !edge.active() : edge.active();
                    String what = breaker ? (lost ? "breaker opened" : "breaker closed")
                            : (lost ? "undervoltage relay asserted" : "undervoltage relay released");
                    if (lost && listener != null) {
                        listener.onFeedLossEvent(new FeedLossEvent(feedIndex, in.feedId(), FeedLossEvent.Kind.FEED_LOST,
                                edge.edgeNanos(), clocks.nanos(), 0, 0b111, ++io.sequence));
                    }
                    String subject = in.feedId() == null ? site.name() : in.feedId();
                    String msg = String.format(Locale.ROOT, "%s: %s (input %s, pin %d)", subject, what, in.id(), in.pin());
                    long id = journal.record(JournalEntry.of(utc.instant(), "gpio", subject, "appliance", msg, null));
                    JournalLog.with(lost ? log.atWarn() : log.atInfo(), id).log(msg);
                });
                io.inputs.add(d);
                io.inputSettings.add(in);
            }
            for (GpioSettings.Output out : g.outputs()) {
                IndicatorOutput o = gpio.indicator(new OutputSpec(out.id(), out.pin(), !out.activeLow()));
                ("alarm-relay".equals(out.kind()) ? io.alarmRelays : io.statusLamps).add(o);
            }
            io.thread.scheduleAtFixedRate(io::refresh, 0, 250, TimeUnit.MILLISECONDS);
            if (wd != null) {
                wd.start();
            }
            // The inputs' states as read at start, once, in this summary: afterwards only their changes are logged.
            log.info("GPIO on {}: {} inputs{}, {} outputs, watchdog {}", gpio.provider(), io.inputs.size(),
                    io.inputs.isEmpty() ? "" : " (" + String.join(", ", io.inputStates()) + ")",
                    g.outputs().size(), wd == null ? "none" : "pin " + g.watchdog().pin());
            return io;
        } catch (RuntimeException e) {
            gpio.close();
            throw e;
        }
    }

    /**
     * Each input's debounced state now, in the site's order, as the operator reads it: {@code A breaker closed},
     * {@code B breaker open}, {@code site undervoltage relay released} (the subject is the feed, or the site).
     */
    public List<String> inputStates() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            GpioSettings.Input in = inputSettings.get(i);
            boolean active = inputs.get(i).active();
            String subject = in.feedId() == null ? siteName : in.feedId();
            out.add(subject + ("breaker-aux".equals(in.kind())
                    ? (active ? " breaker closed" : " breaker open")
                    : (active ? " undervoltage relay asserted" : " undervoltage relay released")));
        }
        return out;
    }

    /** Outputs follow the appliance's state; the watchdog stops being kicked when regulation stalls. */
    void refresh() {
        try {
            SiteState s = state.get();
            long now = clock.nanos();
            if (s != null && s.tick() != lastTick) {
                lastTick = s.tick();
                lastTickChangeNanos = now;
            }
            io.headroom.appliance.supervision.Supervisor.Report loops = supervision == null ? null : supervision.get();
            boolean loopsHealthy = loops == null || loops.healthy();
            boolean alive = s != null && now - lastTickChangeNanos < STALL_NANOS && loopsHealthy;
            boolean alarmed = s == null || !s.alarms().isEmpty();
            for (IndicatorOutput o : alarmRelays) {
                o.set(alarmed || !alive);
            }
            for (IndicatorOutput o : statusLamps) {
                if (alive) {
                    o.on();
                } else if (o.mode() != IndicatorOutput.Mode.BLINK) {
                    o.blink(Duration.ofMillis(500));
                }
            }
            if (watchdog != null) {
                if (alive && !watchdog.running()) {
                    watchdog.start();
                } else if (!alive && watchdog.running()) {
                    if (s == null) {
                        log.info("watchdog not kicked until regulation's first tick");
                    } else if (!loopsHealthy) {
                        log.error("no more watchdog kicks: {}", String.join("; ", loops.reasons()));
                    } else {
                        log.error("regulation has not ticked for {} ms: no more watchdog kicks", STALL_NANOS / 1_000_000);
                    }
                    watchdog.stop();
                }
            }
        } catch (RuntimeException e) {
            log.warn("field I/O refresh failed: {}", e.getMessage());
        }
    }

    /** The GPIO context (tests drive the mock platform's pins through it). */
    public Gpio gpio() {
        return gpio;
    }

    public List<DebouncedInput> inputs() {
        return inputs;
    }

    public List<IndicatorOutput> alarmRelays() {
        return alarmRelays;
    }

    public List<IndicatorOutput> statusLamps() {
        return statusLamps;
    }

    public WatchdogKicker watchdog() {
        return watchdog;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        gpio.close();
    }
}
