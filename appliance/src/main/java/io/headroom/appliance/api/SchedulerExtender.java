package io.headroom.appliance.api;

import io.headroom.appliance.placement.Placement;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Kubernetes scheduler extender ({@code k8s.io/kube-scheduler/extender/v1}): {@code filter} takes an
 * {@code ExtenderArgs} ({@code pod}, and {@code nodes} (a NodeList) or {@code nodenames}) and answers an
 * {@code ExtenderFilterResult} ({@code nodes} or {@code nodenames}, {@code failedNodes}, {@code error});
 * {@code prioritize} answers a {@code HostPriorityList} ({@code [{"host", "score"}]}, scores 0..10).
 *
 * <p>A Kubernetes node is a Headroom node when its name is the node's id or its agent's host. What a pod needs: the
 * annotation {@value #POWER_ANNOTATION} (W), else its containers' {@code nvidia.com/gpu} (or {@code amd.com/gpu})
 * limits times the node's GPUs' maximum, else nothing. Filter: a node fails when its group is not N-1 ready or the
 * pod needs more than it could draw uncapped now. Prioritize: 10 × the node's uncapped power after the worst
 * single-feed loss over the most any candidate has (0 when not N-1 ready). A node Headroom does not know passes the
 * filter and scores 0.
 */
public final class SchedulerExtender {

    /** Pod annotation: the power the pod's job will draw, W. */
    public static final String POWER_ANNOTATION = "headroom.io/power-w";
    /** {@code MaxExtenderPriority} of extender/v1. */
    public static final int MAX_SCORE = 10;

    private final Site site;
    private final Map<String, Node> byName = new HashMap<>();

    public SchedulerExtender(Site site) {
        this.site = site;
        for (Node n : site.nodes()) {
            if (n.agent() != null) { // a node capped through its BMC has no agent host: known by its id alone
                byName.putIfAbsent(n.agent().host(), n);
            }
        }
        for (Node n : site.nodes()) {
            byName.put(n.id(), n); // an id wins over another node's host
        }
    }

    /** The candidates' names, from {@code nodes.items[].metadata.name} or {@code nodenames}. */
    static List<String> candidates(JsonObject args) {
        List<String> names = new ArrayList<>();
        JsonObject nodes = args.getJsonObject("nodes");
        if (nodes != null && nodes.getJsonArray("items") != null) {
            for (Object o : nodes.getJsonArray("items")) {
                if (o instanceof JsonObject item && item.getJsonObject("metadata") != null) {
                    names.add(item.getJsonObject("metadata").getString("name"));
                }
            }
        } else if (args.getJsonArray("nodenames") != null) {
            for (Object o : args.getJsonArray("nodenames")) {
                names.add(String.valueOf(o));
            }
        }
        return names;
    }

    /** What the pod needs on {@code node}, W (0 when it says nothing). */
    static double neededW(JsonObject pod, Node node) {
        if (pod == null) {
            return 0;
        }
        JsonObject meta = pod.getJsonObject("metadata");
        JsonObject ann = meta == null ? null : meta.getJsonObject("annotations");
        if (ann != null && ann.getValue(POWER_ANNOTATION) != null) {
            try {
                return Math.max(0, Double.parseDouble(String.valueOf(ann.getValue(POWER_ANNOTATION)).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("annotation " + POWER_ANNOTATION + " is not a number of watts: "
                        + ann.getValue(POWER_ANNOTATION));
            }
        }
        JsonObject spec = pod.getJsonObject("spec");
        JsonArray containers = spec == null ? null : spec.getJsonArray("containers");
        int gpus = 0;
        if (containers != null) {
            for (Object o : containers) {
                if (o instanceof JsonObject c && c.getJsonObject("resources") != null) {
                    JsonObject limits = c.getJsonObject("resources").getJsonObject("limits");
                    if (limits != null) {
                        gpus += count(limits.getValue("nvidia.com/gpu")) + count(limits.getValue("amd.com/gpu"));
                    }
                }
            }
        }
        return node == null ? 0 : Math.min(gpus, node.gpus()) * node.gpu().maxW();
    }

    private static int count(Object v) {
        if (v == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(String.valueOf(v).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GPU count '" + v + "' is not a whole number");
        }
    }

    private Node node(String name) {
        return name == null ? null : byName.get(name);
    }

    /** {@code POST …/filter}: an ExtenderFilterResult (a request it cannot read: only its {@code error}). */
    public JsonObject filter(JsonObject args, Placement placement) {
        try {
            return filterOrThrow(args, placement);
        } catch (IllegalArgumentException | ClassCastException e) {
            return new JsonObject().put("error", "Headroom: " + e.getMessage());
        }
    }

    private JsonObject filterOrThrow(JsonObject args, Placement placement) {
        Map<String, Placement.NodeHint> hints = placement.nodesById();
        JsonObject failed = new JsonObject();
        List<String> kept = new ArrayList<>();
        JsonObject pod = args.getJsonObject("pod");
        for (String name : candidates(args)) {
            Node n = node(name);
            Placement.NodeHint h = n == null ? null : hints.get(n.id());
            if (h == null) {
                kept.add(name);
                continue;
            }
            double need = neededW(pod, n);
            if (!h.n1Ready()) {
                failed.put(name, "Headroom: group " + h.groupId() + " is not N-1 ready");
            } else if (need > h.uncappedNowW() + 1e-9) {
                failed.put(name, String.format(Locale.ROOT, "Headroom: the pod needs %.0f W, node %s can draw %.0f W "
                        + "uncapped now", need, n.id(), h.uncappedNowW()));
            } else {
                kept.add(name);
            }
        }
        JsonObject out = new JsonObject();
        JsonObject nodes = args.getJsonObject("nodes");
        if (nodes != null && nodes.getJsonArray("items") != null) {
            JsonArray items = new JsonArray();
            for (Object o : nodes.getJsonArray("items")) {
                JsonObject item = (JsonObject) o;
                JsonObject meta = item.getJsonObject("metadata"); // an item without a name was no candidate either
                if (meta != null && kept.contains(meta.getString("name"))) {
                    items.add(item);
                }
            }
            out.put("nodes", nodes.copy().put("items", items));
        } else {
            out.put("nodenames", new JsonArray(kept));
        }
        return out.put("failedNodes", failed).put("error", "");
    }

    /** {@code POST …/prioritize}: a HostPriorityList. */
    public JsonArray prioritize(JsonObject args, Placement placement) {
        Map<String, Placement.NodeHint> hints = placement.nodesById();
        List<String> names = candidates(args);
        double best = 0;
        for (String name : names) {
            Node n = node(name);
            Placement.NodeHint h = n == null ? null : hints.get(n.id());
            if (h != null && h.n1Ready()) {
                best = Math.max(best, h.uncappedAfterWorstLossW());
            }
        }
        JsonArray out = new JsonArray();
        for (String name : names) {
            Node n = node(name);
            Placement.NodeHint h = n == null ? null : hints.get(n.id());
            long score = h == null || !h.n1Ready() || best <= 0 ? 0
                    : Math.round(MAX_SCORE * h.uncappedAfterWorstLossW() / best);
            out.add(new JsonObject().put("host", name).put("score", score));
        }
        return out;
    }

    public Site site() {
        return site;
    }
}
