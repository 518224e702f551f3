package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Controller: an operator's manual overrides ({@link Snapshot#nodeCeilingsW()}) as {@link Limit.NodeCeiling}s on the
 * group's nodes, group order: a ceiling on the node's cap and on its floor (never below its GPUs' minimum, and never a
 * raise: safety and every other limit still apply); what it frees goes to the others through the allocation. Pure.
 */
final class OperatorCeilings {

    private final List<Node> nodes;

    OperatorCeilings(List<Node> nodes) {
        this.nodes = nodes;
    }

    List<Limit> run(Snapshot s) {
        if (s.nodeCeilingsW().isEmpty()) {
            return List.of();
        }
        List<Limit> out = new ArrayList<>();
        for (Node n : nodes) {
            Double w = s.nodeCeilingsW().get(n.id());
            if (w != null) {
                out.add(new Limit.NodeCeiling(n.id(), w, Tier.SAFETY, "operator", String.format(Locale.ROOT,
                        "operator override: node %s at most %.0f W per GPU", n.id(), w)));
            }
        }
        return out;
    }
}
