package io.headroom.hil.study;

import io.headroom.appliance.control.Allocator;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;

/**
 * A site's hall with any number of nodes, its structure kept: the racks, groups, feeds and settings are the
 * site's; nodes are the site's own nodes cloned into their racks. Node {@code k} goes to the rack that is
 * furthest below its share (Webster's sequential apportionment, shares = the racks' node counts in the file),
 * so the class mix and the rack/group structure stay proportional, and the hall of {@code n + 1} nodes is the
 * hall of {@code n} plus one node (house-monotone: no node moves as the count grows).
 */
public final class ScaledSite {

    /** A node of a scaled hall and its stable key: rack index × 2^20 + index within the rack. */
    public record Placed(Node node, int rack, long key) {
    }

    private final Site base;
    private final List<Rack> racks;
    private final List<List<Node>> templates;
    private final List<Placed> sequence = new ArrayList<>();
    private final int[] count;

    public ScaledSite(Site base) {
        this.base = base;
        List<Rack> r = new ArrayList<>();
        List<List<Node>> t = new ArrayList<>();
        for (Rack rack : base.racks()) {
            List<Node> nodes = base.nodes().stream().filter(n -> n.rackId().equals(rack.id())).toList();
            if (!nodes.isEmpty()) {
                r.add(rack);
                t.add(nodes);
            }
        }
        if (r.isEmpty()) {
            throw new IllegalArgumentException("site " + base.name() + " has no nodes to scale");
        }
        this.racks = List.copyOf(r);
        this.templates = List.copyOf(t);
        this.count = new int[racks.size()];
    }

    public Site base() {
        return base;
    }

    public int rackCount() {
        return racks.size();
    }

    /** The first {@code n} nodes of the sequence. */
    public synchronized List<Placed> placed(int n) {
        while (sequence.size() < n) {
            int best = 0;
            double bestPriority = -1;
            for (int i = 0; i < racks.size(); i++) {
                double p = templates.get(i).size() / (count[i] + 0.5);
                if (p > bestPriority + 1e-12) {
                    best = i;
                    bestPriority = p;
                }
            }
            int c = count[best]++;
            List<Node> tpl = templates.get(best);
            Node t = tpl.get(c % tpl.size());
            String id = c < tpl.size() ? t.id() : t.id() + "-x" + (c / tpl.size());
            sequence.add(new Placed(new Node(id, t.rackId(), t.groupId(), t.gpus(), t.gpu(), t.baseW(), t.priority(),
                    t.floorW(), t.agent()), best, ((long) best << 20) | c));
        }
        return List.copyOf(sequence.subList(0, n));
    }

    /** The site with {@code n} nodes, listed rack by rack (as a site file lists them). */
    public Site withNodes(int n) {
        List<Placed> p = new ArrayList<>(placed(n));
        p.sort(java.util.Comparator.comparingLong(Placed::key));
        List<Node> nodes = p.stream().map(Placed::node).toList();
        return new Site(base.name() + "@" + n, base.frequencyHz(), base.feeds(), base.groups(), base.racks(), nodes,
                base.meters(), base.supercaps(), base.agents(), base.control(), base.openadr(), base.modbusBuses(),
                base.gpio(), base.waveforms());
    }

    /** {@link #withNodes}' nodes with their keys, in the same order. */
    public List<Placed> placedInSiteOrder(int n) {
        List<Placed> p = new ArrayList<>(placed(n));
        p.sort(java.util.Comparator.comparingLong(Placed::key));
        return p;
    }

    /**
     * Static N-1 provisioning: the most nodes such that, in every group, every node uncapped at its GPUs'
     * default limit (plus its base load) fits on the survivors of the group's worst single-feed loss at their
     * continuous limits (no regulation margin: the rule is given the benefit of the doubt).
     */
    public int staticNodes(int upTo) {
        return largest(upTo, n -> n.baseW() + n.gpus() * n.gpu().defaultW(), 0);
    }

    /**
     * Static provisioning on a per-node figure: the most nodes such that, in every group, every node drawing
     * {@code drawW} fits on the survivors of the group's worst single-feed loss at their continuous limits (no
     * margin, as {@link #staticNodes}).
     */
    public int nodesFitting(int upTo, java.util.function.ToDoubleFunction<Node> drawW) {
        return largest(upTo, drawW, 0);
    }

    /**
     * The most nodes whose floors (every GPU at its minimum, critical ones at their floor) and base load fit on
     * the survivors of every group's worst single-feed loss, less regulation's margin: beyond it no cap can make
     * an N-1 plan, so the search stops there.
     */
    public int plannableNodes(int upTo) {
        return largest(upTo, n -> n.baseW() + n.gpus() * Allocator.floor(n), base.control().marginFraction());
    }

    private int largest(int upTo, java.util.function.ToDoubleFunction<Node> drawW, double margin) {
        List<Placed> seq = placed(upTo);
        double[] load = new double[base.groups().size()];
        double[] capacity = new double[base.groups().size()];
        for (int g = 0; g < capacity.length; g++) {
            capacity[g] = worstSurvivorsW(base, base.groups().get(g), margin);
        }
        for (int k = 0; k < seq.size(); k++) {
            Node n = seq.get(k).node();
            int g = groupIndex(n.groupId());
            load[g] += drawW.applyAsDouble(n);
            if (load[g] > capacity[g] + 1e-6) {
                return k;
            }
        }
        return seq.size();
    }

    private int groupIndex(String id) {
        for (int g = 0; g < base.groups().size(); g++) {
            if (base.groups().get(g).id().equals(id)) {
                return g;
            }
        }
        throw new IllegalArgumentException("no group " + id);
    }

    /** What a group's survivors carry after its worst single-feed loss, W. */
    static double worstSurvivorsW(Site site, RedundancyGroup group, double margin) {
        double worst = Double.POSITIVE_INFINITY;
        for (String lost : group.feedIds()) {
            List<String> survivors = group.feedIds().stream().filter(f -> !f.equals(lost)).toList();
            worst = Math.min(worst, ContingencyPlanner.survivorsAllowedW(site, survivors, margin));
        }
        return worst;
    }
}
