package io.headroom.grid.openadr3;

import io.headroom.grid.Commitment;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Feasibility before promise. For each import limit the site asks the {@link FlexibilityOracle} for the window and
 * compares the limit with the lowest import the site can hold there ({@link FlexibilityOracle.Flexibility#lowestImportW}).
 *
 * <ul>
 *   <li>every limit holdable (within {@code toleranceW}), every SIMPLE level &gt; 0 backed by some flexibility:
 *       <b>opt in</b> with every commitment as asked;</li>
 *   <li>otherwise, where partial opt-in is allowed: <b>opt in partially</b>: each unholdable limit is replaced by
 *       the lowest import the site can hold over its window; unbackable levels are dropped;</li>
 *   <li>otherwise <b>opt out</b>: no commitments but prices (a price is information, not a promise).</li>
 * </ul>
 * Export limits are always holdable by a hall that does not export. The reason names the first shortfall.
 */
public final class FeasibilityCheck {

    private final FlexibilityOracle oracle;
    private final boolean partialAllowed;
    private final double toleranceW;

    public FeasibilityCheck(FlexibilityOracle oracle, boolean partialAllowed, double toleranceW) {
        this.oracle = oracle;
        this.partialAllowed = partialAllowed;
        this.toleranceW = toleranceW;
    }

    public OptDecision decide(String eventId, String version, List<Commitment> asked, Instant now) {
        List<Commitment> partial = new ArrayList<>();
        List<Commitment> prices = new ArrayList<>();
        String shortfall = null;
        for (Commitment c : asked) {
            switch (c) {
                case Commitment.ImportLimit l -> {
                    FlexibilityOracle.Flexibility f = oracle.assess(l.start(), l.end());
                    double lowest = f.lowestImportW(Duration.between(l.start(), l.end()));
                    if (l.limitW() + toleranceW >= lowest) {
                        partial.add(l);
                    } else {
                        if (shortfall == null) {
                            shortfall = String.format(Locale.ROOT,
                                    "%s: asked import ≤ %.1f kW, the site can hold %.1f kW at best (expected %.1f kW, flexible %.1f kW, critical floor %.1f kW, supercap %.1f kWh)",
                                    l.id(), l.limitW() / 1e3, lowest / 1e3, f.expectedDemandW() / 1e3,
                                    f.flexibleHeadroomW() / 1e3, f.criticalFloorW() / 1e3, f.supercapEnergyJ() / 3.6e6);
                        }
                        partial.add(new Commitment.ImportLimit(l.id(), l.start(), l.end(), lowest, l.origin()));
                    }
                }
                case Commitment.SimpleLevel s -> {
                    if (s.level() == 0) {
                        partial.add(s);
                    } else {
                        FlexibilityOracle.Flexibility f = oracle.assess(s.start(), s.end());
                        if (f.flexibleHeadroomW() > 0 || f.supercapEnergyJ() > 0) {
                            partial.add(s);
                        } else if (shortfall == null) {
                            shortfall = s.id() + ": SIMPLE level " + s.level() + " asked, the site has no flexible load over the window";
                        }
                    }
                }
                case Commitment.ExportLimit x -> partial.add(x);
                case Commitment.Price p -> {
                    partial.add(p);
                    prices.add(p);
                }
            }
        }
        if (shortfall == null) {
            return new OptDecision(eventId, version, OptDecision.Kind.OPT_IN, "every commitment is within what the site can hold",
                    asked, now);
        }
        if (partialAllowed) {
            return new OptDecision(eventId, version, OptDecision.Kind.OPT_PARTIAL, "partial: " + shortfall, partial, now);
        }
        return new OptDecision(eventId, version, OptDecision.Kind.OPT_OUT, "out: " + shortfall, prices, now);
    }
}
