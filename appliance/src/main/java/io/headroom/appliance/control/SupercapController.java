package io.headroom.appliance.control;

import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Commands the supercap banks, one {@link #run} per tick:
 * <ul>
 *   <li><b>smoothing</b>: the site's grid-side power follows its load-side power through a first-order filter
 *       (time constant {@code smoothingTauS}, so swings faster than about {@code 1/(2π·τ)} Hz — the 0.1–2 Hz
 *       band utilities now limit — are carried by the banks) whose slope is capped at {@code rampLimitWPerS};</li>
 *   <li><b>SoC management</b>: once outside {@code socTarget ± socBand}, the grid-side target is nudged (within
 *       the ramp limit's reach) so the banks return towards {@code socTarget}, until within half the band;</li>
 *   <li><b>gap cover</b>: a feed above its ceiling gets at least the excess from its own banks while the caps
 *       take effect;</li>
 *   <li><b>charging</b> only fills the room left under each feed's <em>continuous</em> ceiling (its limit less the
 *       regulation margin; never a breaker's short-excursion allowance) and under the site's import ceilings
 *       (contract, grid commitments). Regulation budgets the GPUs on the load side, so a charging bank never
 *       takes budget from them: otherwise charging lowers the caps, which widens the room, which deepens the
 *       charge, until the converter's limit (found by the bench after a feed loss);</li>
 *   <li><b>fall-back</b>: a bank never discharges below {@code socMin} nor charges above {@code socMax}, nor beyond
 *       its converter's power; what it cannot give is left to the GPU caps (regulation budgets the load side,
 *       so the caps never count on the banks) and said in the output;</li>
 *   <li><b>no charging in N-1</b>: a bank never charges from a feed whose group has lost its redundancy (a feed
 *       lost or in maintenance); the survivors' room belongs to the load.</li>
 * </ul>
 * Setpoints are in W, positive = discharge into the feed, negative = charge. Pure apart from the filter
 * state; time comes from the snapshot.
 */
public final class SupercapController {

    /**
     * @param rampLimitWPerS the most the site's grid-side power may change per second, W/s
     * @param smoothingTauS  time constant of the grid-side filter, s
     * @param socTarget      the middle the banks return to between swings, 0..1
     * @param socBand        no SoC correction within target ± band
     * @param socMin         never discharge below this SoC
     * @param socMax         never charge above this SoC
     * @param socGainPerS    correction strength: fraction of the banks' power per unit of SoC error
     */
    public record Settings(double rampLimitWPerS, double smoothingTauS, double socTarget, double socBand,
                           double socMin, double socMax, double socGainPerS) {

        /** 50 kW/s ramp, 5 s smoothing, SoC kept at 40–60 %, used between 5 % and 95 %. */
        public static Settings defaults() {
            return new Settings(50_000, 5, 0.5, 0.1, 0.05, 0.95, 0.5);
        }
    }

    /** The banks' setpoints for one tick, and why. */
    public record Output(Map<String, Double> setpointsW, double loadW, double gridTargetW, List<String> notes) {
    }

    private final Site site;
    private final Settings settings;
    private double gridW = Double.NaN;
    private boolean returning;
    private long lastNanos;

    public SupercapController(Site site, Settings settings) {
        this.site = site;
        this.settings = settings;
    }

    /**
     * @param ceilings the feed ceilings regulation used this tick (to cover a feed's excess while caps act)
     */
    public Output run(Snapshot s, List<Limit.FeedCeiling> ceilings) {
        return run(s, ceilings, Double.POSITIVE_INFINITY);
    }

    /**
     * @param ceilings     the feed ceilings regulation used this tick (to cover a feed's excess while caps act)
     * @param siteCeilingW the tightest site import ceiling this tick (contract, grid commitments), W; charging
     *                     never takes the site's import past it
     */
    public Output run(Snapshot s, List<Limit.FeedCeiling> ceilings, double siteCeilingW) {
        return run(s, ceilings, siteCeilingW, java.util.Set.of());
    }

    /**
     * @param ceilings        the feed ceilings regulation used this tick (to cover a feed's excess while caps act)
     * @param siteCeilingW    the tightest site import ceiling this tick (contract, grid commitments), W; charging
     *                        never takes the site's import past it
     * @param noRedundancyFeeds the feeds of groups that have lost their N-1 redundancy (a feed lost or in
     *                        maintenance): no bank charges from them. After a loss the contingency cut opens room
     *                        under the survivors' ceilings that regulation gives back to the GPUs; a bank charging
     *                        into the same room in the same ticks takes a survivor past its limit (the bench saw
     *                        1.036–1.048 of it). Covering an excess (discharging) still happens.
     */
    public Output run(Snapshot s, List<Limit.FeedCeiling> ceilings, double siteCeilingW,
                      java.util.Set<String> noRedundancyFeeds) {
        return run(s, ceilings, siteCeilingW, noRedundancyFeeds, Double.NaN);
    }

    /**
     * @param gridTargetW the grid side the {@link BandController} asks for, W, in place of this controller's own
     *                    smoothing filter and SoC nudge (NaN: its own); every other rule (gap cover, charging room,
     *                    no charging in N-1, SoC limits, converter power) still holds
     */
    public Output run(Snapshot s, List<Limit.FeedCeiling> ceilings, double siteCeilingW,
                      java.util.Set<String> noRedundancyFeeds, double gridTargetW) {
        List<String> notes = new ArrayList<>();
        Map<String, Double> out = new HashMap<>();
        double loadW = 0;
        Map<String, Double> feedLoadW = new HashMap<>();
        for (Feed f : site.feeds()) {
            FeedMeasurement m = s.feeds().get(f.id());
            if (m != null && m.usable()) {
                double w = m.powerW() + s.bankPowerOnFeedW(f.id());
                feedLoadW.put(f.id(), w);
                loadW += w;
            }
        }
        double dt = Double.isNaN(gridW) ? 0 : (s.monoNanos() - lastNanos) / 1e9;
        lastNanos = s.monoNanos();
        if (Double.isNaN(gridW)) {
            gridW = loadW;
        }
        double bankPowerW = 0;
        double socSum = 0;
        int usableBanks = 0;
        for (SupercapBank b : site.supercaps()) {
            BankMeasurement m = s.banks().get(b.id());
            if (m != null && m.usable()) {
                bankPowerW += b.maxPowerW();
                socSum += m.socFraction();
                usableBanks++;
            }
        }
        // Grid-side target: the load nudged towards mid SoC, through a slope-limited first-order filter.
        double nudge = 0;
        if (usableBanks > 0) {
            double soc = socSum / usableBanks;
            double err = soc - settings.socTarget();
            if (Math.abs(err) > settings.socBand()) {
                returning = true; // left the band: steer back to the target...
            } else if (Math.abs(err) < settings.socBand() / 2) {
                returning = false; // ...until well inside it (hysteresis)
            }
            if (returning) {
                nudge = settings.socGainPerS() * err * bankPowerW;
                notes.add(String.format(Locale.ROOT, "banks at %.0f %% SoC: returning towards %.0f %%", soc * 100,
                        settings.socTarget() * 100));
            }
        }
        double step = dt <= 0 ? 0 : (loadW - nudge - gridW) * Math.min(1, dt / settings.smoothingTauS());
        double maxStep = settings.rampLimitWPerS() * dt;
        gridW += Math.clamp(step, -maxStep, maxStep);
        if (!Double.isNaN(gridTargetW)) {
            gridW = gridTargetW;
        }
        double target = gridW;
        double wantedW = loadW - target; // total discharge (negative: charge)
        // Charging at the site level: never past the tightest import ceiling, shared by the banks' power.
        double siteRoomW = Double.isFinite(siteCeilingW) ? Math.max(0, siteCeilingW - loadW) : Double.POSITIVE_INFINITY;
        for (SupercapBank b : site.supercaps()) {
            BankMeasurement m = s.banks().get(b.id());
            if (m == null || !m.usable()) {
                out.put(b.id(), 0.0);
                notes.add("bank " + b.id() + ": no usable reading; held at 0 W");
                continue;
            }
            double share = bankPowerW > 0 ? wantedW * b.maxPowerW() / bankPowerW : 0;
            double cover = excessW(b.feedId(), feedLoadW, s, ceilings) * b.maxPowerW() / feedBankPowerW(b.feedId());
            double sp = cover > 0 ? Math.max(share, cover) : share; // covering an excess overrides charging
            if (sp < 0 && noRedundancyFeeds.contains(b.feedId())) {
                notes.add("bank " + b.id() + ": no charging from feed " + b.feedId()
                        + " while its group has no N-1 redundancy");
                sp = 0;
            }
            if (sp < 0) {
                // Charging draws from the feed: never past its ceiling.
                double room = roomW(b.feedId(), feedLoadW, s, ceilings) * b.maxPowerW() / feedBankPowerW(b.feedId());
                double siteShare = bankPowerW > 0 ? siteRoomW * b.maxPowerW() / bankPowerW : 0;
                if (siteShare < room) {
                    room = siteShare;
                    if (-sp > room) {
                        notes.add(String.format(Locale.ROOT, "bank %s: charging held to %.1f kW by the site's import ceiling",
                                b.id(), room / 1000));
                        sp = -room;
                    }
                }
                if (-sp > room) {
                    notes.add(String.format(Locale.ROOT, "bank %s: charging held to %.1f kW, the room under feed %s's ceiling",
                            b.id(), room / 1000, b.feedId()));
                    sp = -room;
                }
            }
            double limited = Math.clamp(sp, -b.maxPowerW(), b.maxPowerW());
            if (limited > 0 && m.socFraction() <= settings.socMin()) {
                notes.add("bank " + b.id() + ": empty; the GPU caps carry the gap");
                limited = 0;
            } else if (limited < 0 && m.socFraction() >= settings.socMax()) {
                notes.add("bank " + b.id() + ": full; no charging");
                limited = 0;
            } else if (limited != sp) {
                notes.add(String.format(Locale.ROOT, "bank %s: at its converter limit %.0f kW; the GPU caps carry the rest",
                        b.id(), b.maxPowerW() / 1000));
            }
            if (cover > 0 && limited >= cover) {
                notes.add(String.format(Locale.ROOT, "bank %s covers %.1f kW over feed %s's ceiling while caps act",
                        b.id(), cover / 1000, b.feedId()));
            }
            out.put(b.id(), limited);
        }
        return new Output(Map.copyOf(out), loadW, target, List.copyOf(notes));
    }

    private double feedBankPowerW(String feedId) {
        double w = 0;
        for (SupercapBank b : site.supercaps()) {
            if (b.feedId().equals(feedId)) {
                w += b.maxPowerW();
            }
        }
        return w;
    }

    /**
     * Power a feed can still take under its continuous ceiling, W (0 when at or over it, or unknown: no charging
     * then). A short-excursion ceiling is for riding out a step while the caps act, never for charging.
     */
    private double roomW(String feedId, Map<String, Double> feedLoadW, Snapshot s, List<Limit.FeedCeiling> ceilings) {
        FeedMeasurement m = s.feeds().get(feedId);
        Double loadW = feedLoadW.get(feedId);
        if (m == null || !m.usable() || loadW == null || m.currentA() <= 0) {
            return 0;
        }
        double wPerA = m.powerW() / m.currentA();
        for (Limit.FeedCeiling c : ceilings) {
            if (c.feedId().equals(feedId)) {
                double amps = c.amps();
                Feed f = site.feed(feedId).orElse(null);
                if (f != null) {
                    amps = Math.min(amps, f.limitA() * (1 - site.control().marginFraction()));
                }
                return Math.max(0, amps * wPerA - loadW);
            }
        }
        return Double.POSITIVE_INFINITY; // no ceiling given for this feed (tests of smoothing alone)
    }

    /** Load-side power of a feed above its ceiling, W (0 if under or unknown). */
    private double excessW(String feedId, Map<String, Double> feedLoadW, Snapshot s, List<Limit.FeedCeiling> ceilings) {
        FeedMeasurement m = s.feeds().get(feedId);
        Double loadW = feedLoadW.get(feedId);
        if (m == null || !m.usable() || loadW == null || m.currentA() <= 0) {
            return 0;
        }
        double wPerA = m.powerW() / m.currentA();
        for (Limit.FeedCeiling c : ceilings) {
            if (c.feedId().equals(feedId)) {
                return Math.max(0, loadW - c.amps() * wPerA);
            }
        }
        return 0;
    }
}
