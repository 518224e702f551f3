package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A meter that under-reports is caught by what the agents say: every live feed of a group carries an equal share of
 * the group's load (nodes draw equally from every live feed), and that load is at least what the agents report
 * (GPU power of the nodes heard from, plus those nodes' declared base). A feed whose meter reads, on the load side
 * (supercap discharge added back), less than {@code 1 − }{@link #TOLERANCE} of its share, or power flowing out, for
 * {@link #SHORT_FOR} on end, is suspect: an alarm, and regulation treats the meter as it treats a stale one (the
 * group extrapolated from its other feeds with the degraded margin; with every meter suspect, held at the N-1 safe
 * cap). It is trusted again after it has read its share for {@link #TRUSTED_AFTER}.
 *
 * <p>Why a share and not the group's total: one meter of four reading half the truth is only an eighth short on the
 * total. The check is skipped while a meter of the group is unusable (the split is unknown) or the agents explain too
 * little of a feed ({@link #MIN_SHARE} of its limit: an idle hall is all noise). Pure; time from the snapshot.
 */
final class MeterCrossCheck {

    /** A share may read this much less than the agents' sum (telemetry error, base declared high, readings' age). */
    static final double TOLERANCE = 0.20;
    /** ...for at most this long (a burst's end: the agents' last readings are up to a renewal old). */
    static final long SHORT_FOR = 2_000_000_000L;
    static final long TRUSTED_AFTER = 5_000_000_000L;
    static final double MIN_SHARE = 0.10;
    /** Power flowing out of a load feed beyond this fraction of its limit is a reversed CT or a wrong sign. */
    static final double OUTFLOW = 0.01;

    private final List<Feed> feeds;
    private final long[] shortSince;
    private final long[] goodSince;
    private final boolean[] suspect;
    private final double[] ratio;
    private final boolean[] outflow;

    MeterCrossCheck(List<Feed> feeds) {
        this.feeds = feeds;
        int n = feeds.size();
        this.shortSince = new long[n];
        this.goodSince = new long[n];
        this.suspect = new boolean[n];
        this.ratio = new double[n];
        this.outflow = new boolean[n];
        Arrays.fill(shortSince, Long.MIN_VALUE);
        Arrays.fill(goodSince, Long.MIN_VALUE);
    }

    /** Checks one tick; then {@link #suspect(int)} and {@link #alarms()} say what it found. */
    void run(Snapshot s, List<Node> nodes, double deadFraction) {
        long now = s.monoNanos();
        double explained = 0;
        for (Node n : nodes) {
            NodeTelemetry t = s.nodes().get(n.id());
            if (t != null && t.fresh()) {
                explained += t.gpuPowerW() + n.baseW();
            }
        }
        boolean known = true;
        int live = 0;
        for (Feed f : feeds) {
            FeedMeasurement m = s.feeds().get(f.id());
            if (m == null || !m.usable()) {
                known = false;
            } else if (m.currentA() >= deadFraction * f.limitA()) {
                live++;
            }
        }
        for (int i = 0; i < feeds.size(); i++) {
            Feed f = feeds.get(i);
            FeedMeasurement m = s.feeds().get(f.id());
            boolean isShort = false;
            boolean checked = false;
            if (m != null && m.usable() && m.currentA() >= deadFraction * f.limitA()) {
                double load = m.powerW() + s.bankPowerOnFeedW(f.id());
                outflow[i] = load < -OUTFLOW * f.limitW();
                double share = live == 0 ? 0 : explained / live;
                if (outflow[i]) {
                    checked = true;
                    isShort = true;
                    ratio[i] = share > 0 ? load / share : Double.NaN;
                } else if (known && share >= MIN_SHARE * f.limitW()) {
                    checked = true;
                    ratio[i] = load / share;
                    isShort = load < (1 - TOLERANCE) * share;
                }
            }
            if (!checked) {
                shortSince[i] = Long.MIN_VALUE; // nothing to say this tick: neither more suspect nor less
                continue;
            }
            if (isShort) {
                goodSince[i] = Long.MIN_VALUE;
                if (shortSince[i] == Long.MIN_VALUE) {
                    shortSince[i] = now;
                }
                if (now - shortSince[i] >= SHORT_FOR) {
                    suspect[i] = true;
                }
            } else {
                shortSince[i] = Long.MIN_VALUE;
                if (suspect[i]) {
                    if (goodSince[i] == Long.MIN_VALUE) {
                        goodSince[i] = now;
                    }
                    if (now - goodSince[i] >= TRUSTED_AFTER) {
                        suspect[i] = false;
                        goodSince[i] = Long.MIN_VALUE;
                    }
                }
            }
        }
    }

    /** Whether feed {@code i}'s meter (group order) is not to be trusted now. */
    boolean suspect(int i) {
        return suspect[i];
    }

    /** One alarm per suspect meter. */
    List<String> alarms() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < feeds.size(); i++) {
            if (!suspect[i]) {
                continue;
            }
            String id = feeds.get(i).id();
            out.add(outflow[i]
                    ? "feed " + id + ": meter reads power flowing out of a load feed (a reversed CT or a wrong sign?); "
                    + "group held conservatively as for a stale meter"
                    : String.format(Locale.ROOT, "feed %s: meter under-reports: it reads %.0f %% of the feed's share of "
                    + "what the agents report (GPU power plus declared base); group held conservatively as for a stale "
                    + "meter", id, Double.isFinite(ratio[i]) ? ratio[i] * 100 : 0));
        }
        return out;
    }
}
