package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Controller: an operator's manual overrides ({@link Snapshot#nodeCeilingsW()}) as {@link Limit.NodeCeiling}s on the
 * group's nodes, group order: a ceiling on the node's cap and on its floor (never below its GPUs' minimum, and never a
 * raise: safety and every other limit still apply); what it frees goes to the others through the allocation. Pure
 * apart from a cache: a node's ceiling is the same object while its override's watts stay the same (its reason is
 * formatted once, not every tick).
 */
final class OperatorCeilings {

    private final List<Node> nodes;
    /** Per node, its last ceiling (null before any). */
    private final Limit.NodeCeiling[] last;

    OperatorCeilings(List<Node> nodes) {
        this.nodes = nodes;
        this.last = new Limit.NodeCeiling[nodes.size()];
    }

    List<Limit> run(Snapshot s) {
        if (s.nodeCeilingsW().isEmpty()) {
            return List.of();
        }
        List<Limit> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            Double w = s.nodeCeilingsW().get(n.id());
            if (w != null) {
                Limit.NodeCeiling c = last[i];
                if (c == null || Double.doubleToLongBits(c.perGpuW()) != Double.doubleToLongBits(w)) {
                    c = new Limit.NodeCeiling(n.id(), w, Tier.SAFETY, "operator", String.format(Locale.ROOT,
                            "operator override: node %s at most %.0f W per GPU", n.id(), w));
                    last[i] = c;
                }
                out.add(c);
            }
        }
        return out;
    }
}
