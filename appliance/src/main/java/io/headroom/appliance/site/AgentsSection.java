package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.AGENT_SECURITY;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_LEASE_MS;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code agents:} lease, safe cap, multicast, and the agents' security (PSK, certificates or none). */
final class AgentsSection extends SectionReader {
    static final List<String> AGENT_KEYS = List.of("lease", "safeCap", "security", "pskKeys", "keyStore",
            "keyStorePasswordFile", "trustedCertificates", "multicast", "multicastInterface", "gpuSmoothing");

    private final GpuModelsSection gpuSection;
    private final RacksSection racksSection;

    AgentsSection(SiteReading ctx, GpuModelsSection gpuSection, RacksSection racksSection) {
        super(ctx);
        this.gpuSection = gpuSection;
        this.racksSection = racksSection;
    }

    /** {@code auto} (0) or a per-GPU power. */
    private static Double safeCap(Problems p, Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null && s.strip().equals("auto")) {
            return 0.0;
        }
        if (s != null) {
            try {
                return Quantity.parse(s, Kind.POWER);
            } catch (Quantity.QuantityFormatException e) {
                if (Quantity.isPlainNumber(s)) {
                    p.at(n, field, e.getMessage());
                    return null;
                }
            }
        }
        p.at(n, field, "expected auto or " + Kind.POWER.describe() + ", got " + SiteYaml.describe(n));
        return null;
    }

    AgentSettings read(MapReader top) {
        MapReader a = top.map("agents", false, "the agents section", AGENT_KEYS);
        if (a == null) {
            return new AgentSettings(DEFAULT_LEASE_MS, 0, readSecurity(null, top));
        }
        Val<Long> lease = a.get("lease", SiteYaml::millis, false);
        positive(lease);
        Val<Double> safeCap = a.get("safeCap", AgentsSection::safeCap, false);
        if (safeCap != null && safeCap.ok() && safeCap.value() < 0) {
            p.at(safeCap.node(), safeCap.field(), "must be auto or greater than 0, got " + got(safeCap));
        }
        if (safeCap != null && safeCap.ok() && safeCap.value() > 0) {
            Set<GpuModel> used = new LinkedHashSet<>();
            for (RacksSection.NodeD n : racksSection.nodes) {
                GpuModel g = n.gpu() == null ? null : gpuSection.gpuModels.get(n.gpu());
                if (g != null) {
                    used.add(g);
                }
            }
            List<String> outside = new ArrayList<>();
            for (GpuModel g : used) {
                if (safeCap.value() < g.minW() || safeCap.value() > g.maxW()) {
                    outside.add(g.name() + " (" + fmt(g.minW(), "W") + ".." + fmt(g.maxW(), "W") + ")");
                }
            }
            if (!outside.isEmpty()) {
                p.at(safeCap.node(), safeCap.field(), "safeCap " + fmt(safeCap.value(), "W")
                        + " is outside the range of GPU model " + String.join(", ", outside)
                        + " used by the nodes");
            }
        }
        Val<Endpoint> multicast = a.get("multicast", SiteYaml::endpoint, false);
        if (multicast != null && multicast.ok() && !isMulticastLiteral(multicast.value().host())) {
            p.at(multicast.node(), multicast.field(), "'" + multicast.value().host() + "' is not a multicast "
                    + "address (IPv4 224.0.0.0/4, e.g. 239.255.72.1, or IPv6 ff00::/8)");
        }
        Val<String> iface = a.get("multicastInterface", SiteYaml::string, false);
        if (iface != null && iface.ok() && !isIpLiteral(iface.value())) {
            p.at(iface.node(), iface.field(), "expected an IP address of the appliance's interface towards the "
                    + "agents, got \"" + iface.value() + "\"");
        }
        if (iface != null && multicast == null) {
            p.at(iface.node(), iface.field(), "only used with agents.multicast");
        }
        boolean gpuSmoothing = Boolean.TRUE.equals(a.opt("gpuSmoothing", SiteYaml::bool, false));
        return new AgentSettings(or(lease, DEFAULT_LEASE_MS),
                or(safeCap, 0.0), readSecurity(a, top), multicast == null || !multicast.ok() ? null : multicast.value(),
                iface == null || !iface.ok() ? null : iface.value(), gpuSmoothing);
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":") && host.matches("[0-9A-Fa-f:.]+");
    }

    private static boolean isMulticastLiteral(String host) {
        if (!isIpLiteral(host)) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(host).isMulticastAddress(); // a literal: no name lookup
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * {@code agents.security} and the credentials it needs, every file read and checked now (a key that cannot
     * be used is a site error, not a surprise at start-up). Without an agents section: PSK, the default.
     */
    private AgentSecurity readSecurity(MapReader a, MapReader top) {
        Val<String> mode = a == null ? null : a.get("security", oneOf(AGENT_SECURITY), false);
        String m = mode == null ? "psk" : mode.value();
        if (m == null) {
            return AgentSecurity.none(); // reported; the site is rejected
        }
        List<RacksSection.NodeD> agentNodes = racksSection.nodes.stream().filter(n -> !n.hasRedfish()).toList();
        Val<String> keys = a == null ? null : a.get("pskKeys", SiteYaml::string, false);
        Val<String> store = a == null ? null : a.get("keyStore", SiteYaml::string, false);
        Val<String> pass = a == null ? null : a.get("keyStorePasswordFile", SiteYaml::string, false);
        Val<String> trusted = a == null ? null : a.get("trustedCertificates", SiteYaml::string, false);
        String only = " is only used with agents.security: ";
        if (!m.equals("psk")) {
            if (keys != null) {
                p.at(keys.node(), keys.field(), "pskKeys" + only + "psk (it is " + m + ")");
            }
            for (RacksSection.NodeD n : agentNodes) {
                for (Val<String> v : java.util.Arrays.asList(n.pskIdentity(), n.pskKeyFile())) {
                    if (v != null) {
                        p.at(v.node(), v.field(), v.field().substring(v.field().lastIndexOf('.') + 1) + only
                                + "psk (it is " + m + ")");
                    }
                }
            }
        }
        if (!m.equals("certificates")) {
            for (Val<String> v : java.util.Arrays.asList(store, pass, trusted)) {
                if (v != null) {
                    p.at(v.node(), v.field(), v.field().substring("agents.".length()) + only
                            + "certificates (it is " + m + ")");
                }
            }
        }
        switch (m) {
            case "none" -> {
                return AgentSecurity.none();
            }
            case "certificates" -> {
                Path ks = requiredFile(a, store, "keyStore", "the appliance's PKCS12 key store");
                Path pw = requiredFile(a, pass, "keyStorePasswordFile", "the key store's password");
                Path tr = requiredFile(a, trusted, "trustedCertificates", "the agents' CA certificates (PEM)");
                if (ks == null || pw == null || tr == null) {
                    return AgentSecurity.none();
                }
                try {
                    AgentKeys.certificates(ks, pw, tr);
                } catch (AgentKeys.KeyFileException e) {
                    p.at(store.node(), store.field(), e.getMessage());
                }
                return AgentSecurity.certificates(ks, pw, tr);
            }
            default -> {
                return psk(a, top, mode, keys, agentNodes);
            }
        }
    }

    private Path requiredFile(MapReader a, Val<String> v, String key, String what) {
        if (v == null) {
            a.missing(key, "required with agents.security: certificates (" + what + ")");
            return null;
        }
        if (!v.ok()) {
            return null;
        }
        Path f = path(v.value());
        if (!Files.isReadable(f) || Files.isDirectory(f)) {
            p.at(v.node(), v.field(), "cannot read " + f + (Files.exists(f) ? "" : ": no such file"));
            return null;
        }
        return f;
    }

    private AgentSecurity psk(MapReader a, MapReader top, Val<String> mode, Val<String> keys,
                              List<RacksSection.NodeD> agentNodes) {
        Map<String, byte[]> table = null;
        Path keysPath = null;
        if (keys != null && keys.ok()) {
            keysPath = path(keys.value());
            try {
                table = AgentKeys.readKeysFile(keysPath);
            } catch (AgentKeys.KeyFileException e) {
                p.at(keys.node(), keys.field(), e.getMessage());
            }
        }
        boolean anyOwn = agentNodes.stream().anyMatch(n -> n.pskKeyFile() != null);
        if (keys == null && !anyOwn && !agentNodes.isEmpty()) {
            String why = "DTLS-PSK (" + (mode == null ? "agents.security's default" : "agents.security: psk")
                    + ") needs a key for every agent: set agents.pskKeys (a file of IDENTITY HEX-KEY lines) or "
                    + "pskKeyFile on each node; or say agents.security: none for plain CoAP";
            if (a == null) {
                p.at(top.node(), "agents", why);
            } else {
                a.missing("pskKeys", why);
            }
            return AgentSecurity.psk(null);
        }
        Map<String, String> identityOwner = new HashMap<>();
        for (RacksSection.NodeD n : agentNodes) {
            String id = n.id() != null && n.id().ok() ? n.id().value() : null;
            String identity = n.pskIdentity() != null ? n.pskIdentity().value() : id;
            if (identity != null) {
                String other = identityOwner.putIfAbsent(identity, id);
                if (other != null) {
                    Node at = n.pskIdentity() != null ? n.pskIdentity().node() : n.id().node();
                    p.at(at, n.pskIdentity() != null ? n.pskIdentity().field() : n.id().field(),
                            "PSK identity '" + identity + "' is already node " + other + "'s; each agent needs its own");
                }
            }
            if (n.pskKeyFile() != null) {
                if (n.pskKeyFile().ok()) {
                    try {
                        AgentKeys.readPskFile(path(n.pskKeyFile().value()));
                    } catch (AgentKeys.KeyFileException e) {
                        p.at(n.pskKeyFile().node(), n.pskKeyFile().field(), e.getMessage());
                    }
                }
            } else if (keys == null) {
                p.at(n.at(), n.path() + ".pskKeyFile", "missing: node " + id
                        + " has no key (other nodes name their pskKeyFile and there is no agents.pskKeys)");
            } else if (table != null && identity != null && !table.containsKey(identity)) {
                Node at = n.pskIdentity() != null ? n.pskIdentity().node() : n.at();
                p.at(at, n.pskIdentity() != null ? n.pskIdentity().field() : n.path(), "no key for PSK identity '"
                        + identity + "' in " + keysPath + " (agents.pskKeys, line " + keys.line()
                        + "); add a line '" + identity + " HEX-KEY' or give the node its pskKeyFile");
            }
        }
        return AgentSecurity.psk(keysPath);
    }
}
