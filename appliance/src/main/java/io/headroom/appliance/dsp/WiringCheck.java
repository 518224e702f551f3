package io.headroom.appliance.dsp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The wiring checks the appliance runs on every streamed feed, from its waveform measurements: a reversed
 * <b>phase rotation</b> (PTs on L2 and L3 swapped: V L2 leads V L1) and a reversed <b>CT polarity</b> per phase
 * (negative active power on a phase of a feed that imports: a data hall's feeds only import, so a phase whose
 * P is negative has its CT the wrong way round, or on another phase). Both are wiring faults found at
 * commissioning ({@code ./headroom probe stream} warns of the same); once running they are alarms, never a
 * feed loss: nothing here fires a contingency, and the fast detector, which uses the 3-phase magnitude, is blind
 * to both.
 *
 * <p>Hysteresis and a hold time, per condition: an alarm is raised once its raise condition has held for
 * {@link Settings#holdNanos()} without a break, and cleared once its clear condition has held as long; between
 * the two thresholds, and while the measurement cannot tell (stream not good, no measurement, feed lost, a phase
 * without voltage, a phase whose current is below {@link Settings#minCurrentA()}), the alarm stays as it is and
 * the hold restarts. Pure: the caller gives the time (the appliance's monotonic clock), one thread.
 */
public final class WiringCheck {

    /**
     * @param rotationRaise below this rotation figure ({@link FeedWaveformMeasurement#rotation()}, −0.87 when
     *                      reversed) the rotation is reversed
     * @param rotationClear above this one it is right again (+0.87 when right)
     * @param polarityRaisePf a phase's P/S below this is a reversed CT
     * @param polarityClearPf above this the phase imports again
     * @param minCurrentA   a phase with less current than this says nothing of its CT
     * @param holdNanos     how long a condition must hold before its alarm is raised or cleared
     */
    public record Settings(double rotationRaise, double rotationClear, double polarityRaisePf, double polarityClearPf,
                           double minCurrentA, long holdNanos) {
        public Settings {
            if (!(rotationRaise < rotationClear) || !(polarityRaisePf < polarityClearPf) || holdNanos < 0
                    || !(minCurrentA >= 0)) {
                throw new IllegalArgumentException("raise thresholds must be below clear thresholds, "
                        + "hold and minimum current not negative");
            }
        }

        /** Reversed below −0.5 and right above +0.5; CT reversed below PF −0.3, right above 0; 1 A; 2 s. */
        public static Settings defaults() {
            return new Settings(-0.5, 0.5, -0.3, 0.0, 1.0, 2_000_000_000L);
        }
    }

    /** One condition with its hold: raised or not, and since when the opposite condition has held. */
    static final class Latch {
        private boolean raised;
        private long since = -1;
        private boolean seen;

        /** {@code raise}/{@code clear}: what the measurement says now (both false: it cannot tell). */
        void update(boolean raise, boolean clear, long now, long hold) {
            boolean toward = raised ? clear : raise;
            if (!toward) {
                seen = false;
                return;
            }
            if (!seen) {
                seen = true;
                since = now;
            }
            if (now - since >= hold) {
                raised = !raised;
                seen = false;
            }
        }

        boolean raised() {
            return raised;
        }
    }

    private static final class FeedCheck {
        final Latch rotation = new Latch();
        final Latch[] polarity = {new Latch(), new Latch(), new Latch()};
        final String rotationText;
        final String[] polarityText = new String[3];

        FeedCheck(String feedId) {
            rotationText = "feed " + feedId + ": phase rotation reversed (L1-L3-L2) on its waveform stream: V L2 "
                    + "leads V L1; check the PT wiring (L2 and L3 swapped?)";
            for (int p = 0; p < 3; p++) {
                polarityText[p] = "feed " + feedId + " L" + (p + 1) + ": negative active power on a feed that "
                        + "imports: CT polarity reversed (P1/P2 or S1/S2 swapped), or the CT is on another phase";
            }
        }
    }

    private final Settings settings;
    private final Map<String, FeedCheck> feeds = new TreeMap<>(); // by feed id: the alarms' order
    private int raised;

    public WiringCheck(Settings settings) {
        this.settings = settings;
    }

    /**
     * Updates every feed's checks with its latest measurement at {@code nowNanos} and returns the alarms raised
     * now (stable texts, by feed id). A feed absent from {@code state} keeps its alarms.
     */
    public List<String> update(WaveformState state, long nowNanos) {
        for (WaveformState.FeedStream f : state.feeds().values()) {
            update(f.feedId(), f.status() == WaveformState.Status.GOOD ? f.latest() : null, nowNanos);
        }
        return alarms();
    }

    /** Updates one feed's checks; {@code m} null: nothing to tell (a silent stream, no full cycle yet). */
    public void update(String feedId, FeedWaveformMeasurement m, long nowNanos) {
        FeedCheck c = feeds.computeIfAbsent(feedId, FeedCheck::new);
        long hold = settings.holdNanos();
        boolean known = m != null && !m.lost();
        double umax = 0;
        if (known) {
            for (double u : m.urms()) {
                umax = Math.max(umax, u);
            }
        }
        boolean allPhases = known && umax > 0;
        for (int p = 0; allPhases && p < 3; p++) {
            allPhases = m.urms()[p] > 0.5 * umax;
        }
        double r = allPhases ? m.rotation() : Double.NaN;
        raised -= count(c);
        c.rotation.update(r < settings.rotationRaise(), r > settings.rotationClear(), nowNanos, hold);
        for (int p = 0; p < 3; p++) {
            boolean phaseKnown = known && m.urms()[p] > 0.5 * umax && m.irms()[p] >= settings.minCurrentA()
                    && m.s()[p] > 0;
            double pf = phaseKnown ? m.p()[p] / m.s()[p] : Double.NaN;
            c.polarity[p].update(pf < settings.polarityRaisePf(), pf > settings.polarityClearPf(), nowNanos, hold);
        }
        raised += count(c);
    }

    private static int count(FeedCheck c) {
        int n = c.rotation.raised() ? 1 : 0;
        for (Latch l : c.polarity) {
            n += l.raised() ? 1 : 0;
        }
        return n;
    }

    /** The alarms raised now, by feed id (no allocation while none is). */
    public List<String> alarms() {
        if (raised == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (FeedCheck c : feeds.values()) {
            if (c.rotation.raised()) {
                out.add(c.rotationText);
            }
            for (int p = 0; p < 3; p++) {
                if (c.polarity[p].raised()) {
                    out.add(c.polarityText[p]);
                }
            }
        }
        return out;
    }

    /** Whether {@code feedId}'s rotation alarm is raised. */
    public boolean rotationReversed(String feedId) {
        FeedCheck c = feeds.get(feedId);
        return c != null && c.rotation.raised();
    }

    /** Whether {@code feedId}'s phase {@code phase} (1..3) has its CT-polarity alarm raised. */
    public boolean polarityReversed(String feedId, int phase) {
        FeedCheck c = feeds.get(feedId);
        return c != null && c.polarity[phase - 1].raised();
    }
}
