package io.headroom.appliance.campus;

import java.util.function.Supplier;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;

/**
 * What an appliance publishes to the campus, from its latest regulation state: per node, what it would draw
 * uncapped (its GPUs' draw plus 10 %, or their maximum when they run at 95 % of their cap or more: as
 * regulation's {@code NodeDemand} estimates it), plus its base load; the critical and flexible parts of it; N-1
 * readiness (every group has its plans and no feed out); the energy in its banks. Without a state yet: the whole
 * lineup at its GPUs' maximum, not N-1 ready.
 */
public final class SiteDemand implements Supplier<CampusSplit.Report> {

    private final Site site;
    private final Supplier<SiteState> state;

    public SiteDemand(Site site, Supplier<SiteState> state) {
        this.site = site;
        this.state = state;
    }

    @Override
    public CampusSplit.Report get() {
        SiteState s = state.get();
        double demand = 0;
        double critical = 0;
        double flexible = 0;
        for (Node n : site.nodes()) {
            double max = n.gpus() * n.gpu().maxW();
            NodeTelemetry t = s == null ? null : s.nodes().get(n.id());
            double gpu;
            if (t == null || !t.fresh()) {
                gpu = max;
            } else if (t.capPerGpuW() > 0 && t.gpuPowerW() >= 0.95 * t.capPerGpuW() * n.gpus()) {
                gpu = max;
            } else {
                gpu = Math.min(max, 1.1 * t.gpuPowerW() + 10 * n.gpus());
            }
            double w = gpu + n.baseW();
            demand += w;
            if (n.priority() == Priority.CRITICAL) {
                critical += w;
            } else if (n.priority() == Priority.FLEXIBLE) {
                flexible += w;
            }
        }
        boolean ready = s != null && !s.decisions().isEmpty();
        if (s != null) {
            for (GroupDecision d : s.decisions()) {
                ready &= !d.redundancyLost() && d.plans() != null && !d.plans().isEmpty();
            }
        }
        double bankWh = 0;
        for (SupercapBank b : site.supercaps()) {
            BankMeasurement m = s == null ? null : s.banks().get(b.id());
            if (m != null && m.usable()) {
                bankWh += b.energyWh() * m.socFraction();
            }
        }
        return new CampusSplit.Report(demand, critical, flexible, ready, bankWh);
    }
}
