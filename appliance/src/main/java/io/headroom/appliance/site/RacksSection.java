package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.quantity;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code racks:} the racks, their node defaults and their nodes (an agent or a Redfish BMC each). */
final class RacksSection extends SectionReader {
    static final List<String> RACK_KEYS = List.of("id", "group", "nodeDefaults", "nodes");
    static final List<String> NODE_KEYS = List.of("id", "gpus", "gpu", "base", "priority", "floor", "agent",
            "redfish", "pskIdentity", "pskKeyFile");
    static final List<String> REDFISH_KEYS = List.of("url", "user", "passwordFile", "ca", "chassis");

    record RackD(Val<String> id, String groupId) {
    }

    record NodeD(Node at, String path, Val<String> id, String rackId, String groupId, Integer gpus,
                 String gpu, Double baseW, Priority priority, Val<Double> floor, Val<Endpoint> agent,
                 Val<String> pskIdentity, Val<String> pskKeyFile, RedfishBmc redfish, boolean hasRedfish) {
    }

    /** Node fields that may come from a rack's nodeDefaults. */
    private record Spec(Val<Integer> gpus, Val<String> gpu, Val<Double> base, Val<Priority> priority,
                        Val<Double> floor) {
    }

    private final GpuModelsSection gpuSection;
    private final GroupsSection groupsSection;
    final List<RackD> racks = new ArrayList<>();
    final List<NodeD> nodes = new ArrayList<>();

    RacksSection(SiteReading ctx, GpuModelsSection gpuSection, GroupsSection groupsSection) {
        super(ctx);
        this.gpuSection = gpuSection;
        this.groupsSection = groupsSection;
    }

    private static Priority priority(Problems p, Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null) {
            for (Priority pr : Priority.values()) {
                if (pr.label().equals(s.strip())) {
                    return pr;
                }
            }
        }
        p.at(n, field, "expected critical, standard or flexible, got " + SiteYaml.describe(n));
        return null;
    }

    void read(MapReader top) {
        List<Node> list = top.list("racks", true);
        if (list == null) {
            return;
        }
        if (list.isEmpty()) {
            p.at(top.value("racks"), "racks", "needs at least one rack");
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "racks[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a rack", RACK_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            List<Node> nodeList = m.list("nodes", true);
            Val<String> group = m.get("group", SiteYaml::string, false);
            int count = nodeList == null ? 0 : nodeList.size();
            String inNoGroup = "the rack's " + count + (count == 1 ? " node is" : " nodes are")
                    + " in no redundancy group";
            if (group == null) {
                m.missing("group", "missing required key; " + inNoGroup);
            } else if (group.ok() && groupsSection.lacks(group.value())) {
                p.at(group.node(), group.field(), "unknown group '" + group.value() + "', so " + inNoGroup
                        + "; " + SiteYaml.suggest(group.value(), groupsSection.groupIds));
            }
            Spec defaults = new Spec(null, null, null, null, null);
            MapReader dm = m.map("nodeDefaults", false, "node defaults", NODE_KEYS);
            if (dm != null) {
                for (String own : List.of("id", "agent", "redfish", "pskIdentity", "pskKeyFile")) {
                    if (dm.has(own)) {
                        p.at(dm.keyNode(own), dm.field(own), "'" + own
                                + "' cannot be a node default; every node needs its own");
                    }
                }
                defaults = spec(dm);
            }
            String rackId = value(id);
            String groupId = value(group);
            racks.add(new RackD(id, groupId));
            if (nodeList == null) {
                continue;
            }
            for (int j = 0; j < nodeList.size(); j++) {
                readNode(nodeList.get(j), m.field("nodes") + "[" + j + "]", defaults, rackId, groupId);
            }
        }
    }

    private Spec spec(MapReader m) {
        Val<Integer> gpus = m.get("gpus", SiteYaml::integer, false);
        if (gpus != null && gpus.ok() && gpus.value() < 1) {
            p.at(gpus.node(), gpus.field(), "must be at least 1, got " + got(gpus));
        }
        Val<String> gpu = m.get("gpu", SiteYaml::string, false);
        if (gpu != null && gpu.ok() && gpuSection.gpuSectionRead && !gpuSection.gpuNames.contains(gpu.value())) {
            p.at(gpu.node(), gpu.field(), unknown("GPU model", gpu.value(), gpuSection.gpuNames));
        }
        Val<Double> base = m.get("base", quantity(Kind.POWER), false);
        notNegative(base);
        Val<Priority> priority = m.get("priority", RacksSection::priority, false);
        Val<Double> floor = m.get("floor", quantity(Kind.POWER), false);
        positive(floor);
        return new Spec(gpus, gpu, base, priority, floor);
    }

    private static <T> Val<T> pick(Val<T> own, Val<T> dflt) {
        return own != null ? own : dflt;
    }

    private void readNode(Node item, String path, Spec defaults, String rackId, String groupId) {
        MapReader m = MapReader.open(p, item, path, "a node", NODE_KEYS);
        if (m == null) {
            return;
        }
        Val<String> id = m.get("id", SiteYaml::string, true);
        Spec own = spec(m);
        Val<Endpoint> agent = m.get("agent", SiteYaml::endpoint, false);
        Val<String> pskIdentity = m.get("pskIdentity", SiteYaml::string, false);
        if (pskIdentity != null && pskIdentity.ok() && (pskIdentity.value().isBlank()
                || pskIdentity.value().strip().length() != pskIdentity.value().length())) {
            p.at(pskIdentity.node(), pskIdentity.field(), "must be a non-empty identity without surrounding spaces");
        }
        Val<String> pskKeyFile = m.get("pskKeyFile", SiteYaml::string, false);
        RedfishBmc redfish = null;
        boolean hasRedfish = m.has("redfish");
        if (hasRedfish) {
            redfish = readRedfish(m);
            for (Val<String> v : java.util.Arrays.asList(pskIdentity, pskKeyFile)) {
                if (v != null) {
                    p.at(v.node(), v.field(), "a Redfish node has no agent, so no PSK");
                }
            }
        }
        if (agent != null && hasRedfish) {
            p.at(m.keyNode("redfish"), m.field("redfish"), "a node has an agent or a Redfish BMC, not both");
        } else if (agent == null && !hasRedfish) {
            m.missing("agent", "missing required key (or redfish: for a server capped through its BMC)");
        }
        Val<Integer> gpus = pick(own.gpus(), defaults.gpus());
        Val<String> gpu = pick(own.gpu(), defaults.gpu());
        Val<Double> base = pick(own.base(), defaults.base());
        Val<Priority> priority = pick(own.priority(), defaults.priority());
        Val<Double> floor = pick(own.floor(), defaults.floor());
        String missing = "missing required key (set it on the node or in the rack's nodeDefaults)";
        if (gpus == null) {
            m.missing("gpus", missing);
        }
        if (gpu == null) {
            m.missing("gpu", missing);
        }
        if (base == null) {
            m.missing("base", missing);
        }
        if (priority == null) {
            m.missing("priority", missing);
        }
        GpuModel model = gpu == null || !gpu.ok() ? null : gpuSection.gpuModels.get(gpu.value());
        if (model != null && floor != null && floor.ok() && floor.value() > 0
                && (floor.value() < model.minW() || floor.value() > model.maxW())) {
            p.at(floor.node(), floor.field(), "floor " + fmt(floor.value(), "W") + " is outside " + model.name()
                    + "'s range " + fmt(model.minW(), "W") + ".." + fmt(model.maxW(), "W"));
        }
        nodes.add(new NodeD(item, path, id, rackId, groupId, value(gpus), value(gpu), value(base), value(priority),
                floor, agent, pskIdentity, pskKeyFile, redfish, hasRedfish));
    }

    /** A node's {@code redfish:} map; null when invalid (reported). */
    private RedfishBmc readRedfish(MapReader node) {
        MapReader r = node.map("redfish", true, "the node's BMC", REDFISH_KEYS);
        if (r == null) {
            return null;
        }
        Val<String> url = r.get("url", SiteYaml::string, true);
        URI uri = null;
        if (url != null && url.ok()) {
            try {
                uri = new URI(url.value().strip());
                if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
                        || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
                    uri = null;
                }
            } catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null) {
                p.at(url.node(), url.field(), "expected the BMC's https://host[:port] (Redfish needs TLS), got "
                        + got(url));
            }
        }
        Val<String> user = r.get("user", SiteYaml::string, true);
        Val<String> password = r.get("passwordFile", SiteYaml::string, true);
        Path passwordPath = null;
        if (password != null && password.ok()) {
            passwordPath = path(password.value());
            try {
                AgentKeys.readSecret(passwordPath);
            } catch (AgentKeys.KeyFileException e) {
                p.at(password.node(), password.field(), e.getMessage());
                passwordPath = null;
            }
        }
        Val<String> ca = r.get("ca", SiteYaml::string, false);
        Path caPath = null;
        if (ca != null && ca.ok()) {
            caPath = path(ca.value());
            try {
                AgentKeys.readable(caPath);
            } catch (AgentKeys.KeyFileException e) {
                p.at(ca.node(), ca.field(), e.getMessage());
            }
        }
        Val<String> chassis = r.get("chassis", SiteYaml::string, false);
        if (chassis != null && chassis.ok() && (chassis.value().isBlank() || chassis.value().contains("/"))) {
            p.at(chassis.node(), chassis.field(), "expected a chassis id (e.g. \"1\"), got " + got(chassis));
        }
        if (uri == null || user == null || !user.ok() || passwordPath == null || (ca != null && !ca.ok())
                || (chassis != null && !chassis.ok())) {
            return null;
        }
        return new RedfishBmc(uri, user.value(), passwordPath, caPath, or(chassis, RedfishBmc.DEFAULT_CHASSIS));
    }

    /** The site model's node. */
    io.headroom.appliance.site.Node node(NodeD n) {
        GpuModel model = gpuSection.gpuModels.get(n.gpu());
        double floor = n.priority() == Priority.CRITICAL && n.floor() != null ? n.floor().value() : model.minW();
        if (n.redfish() != null) {
            return new io.headroom.appliance.site.Node(n.id().value(), n.rackId(), n.groupId(), n.gpus(), model,
                    n.baseW(), n.priority(), floor, null, null, null, n.redfish());
        }
        return new io.headroom.appliance.site.Node(n.id().value(), n.rackId(), n.groupId(), n.gpus(), model,
                n.baseW(), n.priority(), floor, n.agent().value(), or(n.pskIdentity(), n.id().value()),
                n.pskKeyFile() == null || n.pskKeyFile().value() == null ? null : path(n.pskKeyFile().value()),
                null);
    }
}
