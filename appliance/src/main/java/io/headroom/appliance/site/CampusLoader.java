package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.quantity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;

/**
 * Loads and validates a campus file (format: {@code sites/README.md}, <em>Campus files</em>) with the site file's
 * machinery: every problem at once, sorted, each as {@code file:line:column: field: reason}; the problems of a
 * lineup's site file come after, in that file's own name, line and column.
 */
public final class CampusLoader {

    /** Defaults: a 3 s election lease (a dead coordinator is replaced within it plus a round), 1 s rounds. */
    public static final long DEFAULT_LEASE_TTL_MS = 3000;
    public static final long DEFAULT_ROUND_MS = 1000;
    public static final String DEFAULT_PREFIX = "/headroom/campus";

    private static final List<String> TOP_KEYS = List.of("campus", "appliances", "etcd", "openadr");
    private static final List<String> CAMPUS_KEYS = List.of("name", "importLimit", "rampLimit");
    private static final List<String> MEMBER_KEYS = List.of("id", "site", "staticShare");
    private static final List<String> ETCD_KEYS = List.of("endpoints", "prefix", "leaseTtl", "budgetTtl", "round",
            "tlsCa", "tlsCert", "tlsKey");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private CampusLoader() {
    }

    public static Campus load(Path file) throws SiteValidationException, IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8),
                file.toAbsolutePath().getParent());
    }

    /** Parses campus-file text whose relative paths (site files, TLS material) are relative to {@code baseDir}. */
    public static Campus parse(String fileName, String yamlText, Path baseDir) throws SiteValidationException {
        Problems p = new Problems(fileName);
        Node root = SiteLoader.compose(p, yamlText);
        Campus c = root == null ? null : read(p, baseDir.toAbsolutePath(), root);
        if (!p.isEmpty() || c == null) {
            throw new SiteValidationException(p.sorted());
        }
        return c;
    }

    private static Campus read(Problems p, Path base, Node root) {
        SiteReading ctx = new SiteReading(p, base);
        Checks checks = new Checks(ctx);
        MapReader top = MapReader.open(p, root, "", "a campus file", TOP_KEYS);
        if (top == null) {
            return null;
        }
        String name = null;
        Val<Double> limit = null;
        Val<Double> ramp = null;
        MapReader c = top.map("campus", true, "the campus section", CAMPUS_KEYS);
        if (c != null) {
            Val<String> n = c.get("name", SiteYaml::string, true);
            if (n != null && n.ok() && !ID.matcher(n.value()).matches()) {
                p.at(n.node(), n.field(), "letters, digits, '.', '_' and '-' only (it names etcd keys), got "
                        + SectionReader.got(n));
            } else {
                name = SectionReader.value(n);
            }
            limit = c.get("importLimit", quantity(Kind.POWER), true);
            checks.positive(limit);
            ramp = c.get("rampLimit", quantity(Kind.RAMP), false);
            checks.notNegative(ramp);
        }
        OpenAdrSettings openadr = new OpenAdrSection(ctx).read(top);
        Campus.Etcd etcd = readEtcd(p, checks, top);
        List<Campus.Member> members = new ArrayList<>();
        List<Node> items = top.list("appliances", true);
        List<Val<String>> ids = new ArrayList<>();
        double sum = 0;
        Val<Double> lastShare = null;
        if (items != null) {
            if (items.isEmpty()) {
                p.at(top.value("appliances"), "appliances", "a campus needs at least one appliance");
            }
            for (int i = 0; i < items.size(); i++) {
                MapReader m = MapReader.open(p, items.get(i), "appliances[" + i + "]", "an appliance", MEMBER_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                if (id != null && id.ok() && !ID.matcher(id.value()).matches()) {
                    p.at(id.node(), id.field(), "letters, digits, '.', '_' and '-' only (it names etcd keys), got "
                            + SectionReader.got(id));
                }
                ids.add(id);
                Val<String> siteFile = m.get("site", SiteYaml::string, true);
                Val<Double> share = m.get("staticShare", quantity(Kind.POWER), true);
                checks.notNegative(share);
                if (share != null && share.ok()) {
                    sum += share.value();
                    lastShare = share;
                }
                Site site = null;
                Path sitePath = null;
                if (siteFile != null && siteFile.ok()) {
                    sitePath = checks.path(siteFile.value());
                    site = loadSite(p, siteFile, sitePath);
                }
                if (id != null && id.ok() && share != null && share.ok() && site != null) {
                    members.add(new Campus.Member(id.value(), sitePath, site, share.value()));
                }
            }
            checks.unique(ids, "appliance");
        }
        if (limit != null && limit.ok() && lastShare != null && sum > limit.value() * (1 + 1e-12)) {
            p.at(lastShare.node(), lastShare.field(), "the static shares sum to " + SectionReader.fmt(sum, "W")
                    + ", above the campus import limit of " + SectionReader.fmt(limit.value(), "W")
                    + ": without etcd the appliances together could import more than the connection allows");
        }
        if (!p.isEmpty()) {
            return null;
        }
        return new Campus(name, limit.value(), SectionReader.or(ramp, 0.0), openadr, etcd, members);
    }

    private static Site loadSite(Problems p, Val<String> ref, Path sitePath) {
        if (!Files.isRegularFile(sitePath)) {
            p.at(ref.node(), ref.field(), "no such site file: " + sitePath);
            return null;
        }
        try {
            return SiteLoader.load(sitePath);
        } catch (SiteValidationException e) {
            p.at(ref.node(), ref.field(), "the site file " + sitePath.getFileName() + " does not validate ("
                    + e.errors().size() + " problem" + (e.errors().size() == 1 ? "" : "s") + ", below)");
            for (SiteError err : e.errors()) {
                p.inFile(err.file(), err.line(), err.column(), err.field(), err.reason());
            }
            return null;
        } catch (IOException e) {
            p.at(ref.node(), ref.field(), "cannot read the site file: " + e.getMessage());
            return null;
        }
    }

    private static Campus.Etcd readEtcd(Problems p, Checks checks, MapReader top) {
        MapReader e = top.map("etcd", true, "the etcd section", ETCD_KEYS);
        if (e == null) {
            return null;
        }
        List<Endpoint> endpoints = new ArrayList<>();
        List<Node> eps = e.list("endpoints", true);
        if (eps != null) {
            if (eps.isEmpty()) {
                p.at(e.value("endpoints"), e.field("endpoints"), "name at least one etcd member (host:port)");
            }
            Map<Endpoint, Integer> seen = new HashMap<>();
            for (int i = 0; i < eps.size(); i++) {
                String f = e.field("endpoints") + "[" + i + "]";
                Endpoint ep = SiteYaml.endpoint(p, eps.get(i), f);
                if (ep == null) {
                    continue;
                }
                Integer first = seen.putIfAbsent(ep, eps.get(i).getStartMark().getLine() + 1);
                if (first != null) {
                    p.at(eps.get(i), f, "duplicate endpoint " + ep.host() + ":" + ep.port() + " (first at line " + first
                            + ")");
                }
                endpoints.add(ep);
            }
        }
        String prefix = e.opt("prefix", SiteYaml::string, DEFAULT_PREFIX);
        Val<String> pv = e.get("prefix", SiteYaml::string, false);
        if (pv != null && pv.ok() && !pv.value().startsWith("/")) {
            p.at(pv.node(), pv.field(), "must start with '/', got " + SectionReader.got(pv));
        }
        Val<Long> ttl = e.get("leaseTtl", SiteYaml::millis, false);
        if (ttl != null && ttl.ok() && (ttl.value() < 1000 || ttl.value() % 1000 != 0)) {
            p.at(ttl.node(), ttl.field(), "etcd leases are whole seconds, at least 1 s; got " + SectionReader.got(ttl));
        }
        long leaseTtl = SectionReader.or(ttl, DEFAULT_LEASE_TTL_MS);
        Val<Long> round = e.get("round", SiteYaml::millis, false);
        checks.positive(round);
        long roundMs = SectionReader.or(round, DEFAULT_ROUND_MS);
        if (round != null && round.ok() && round.value() >= leaseTtl) {
            p.at(round.node(), round.field(), "must be shorter than the lease TTL (" + leaseTtl + " ms), got "
                    + SectionReader.got(round));
        }
        Val<Long> budget = e.get("budgetTtl", SiteYaml::millis, false);
        long budgetTtl = SectionReader.or(budget, defaultBudgetTtl(leaseTtl, roundMs));
        if (budget != null && budget.ok() && budget.value() < leaseTtl + roundMs) {
            p.at(budget.node(), budget.field(), "must be at least the lease TTL plus a round (" + (leaseTtl + roundMs)
                    + " ms): shorter, every coordinator failover drops the appliances to their static shares; got "
                    + SectionReader.got(budget));
        } else if (budget != null && budget.ok() && budget.value() < SILENT_TO_LOWERED_ROUNDS * roundMs) {
            p.at(budget.node(), budget.field(), "must be at least " + SILENT_TO_LOWERED_ROUNDS + " rounds ("
                    + SILENT_TO_LOWERED_ROUNDS * roundMs + " ms): an appliance cut off from etcd holds its budget this "
                    + "long, then its static share; the others must be lowered first (the coordinator calls it silent "
                    + "after 2.5 rounds unheard, writes the next round, the others read it within a quarter round); got "
                    + SectionReader.got(budget));
        }
        Val<String> ca = e.get("tlsCa", SiteYaml::string, false);
        Val<String> cert = e.get("tlsCert", SiteYaml::string, false);
        Val<String> key = e.get("tlsKey", SiteYaml::string, false);
        if ((cert == null) != (key == null)) {
            e.missing(cert == null ? "tlsCert" : "tlsKey", "tlsCert and tlsKey go together (a client certificate)");
        }
        if ((cert != null || key != null) && ca == null) {
            e.missing("tlsCa", "required with a client certificate (the CA that signed the members')");
        }
        Campus.Tls tls = null;
        if (ca != null) {
            Path caP = file(p, checks, ca);
            Path certP = cert == null ? null : file(p, checks, cert);
            Path keyP = key == null ? null : file(p, checks, key);
            tls = new Campus.Tls(caP, certP, keyP);
        }
        if (!endpoints.isEmpty() && tls == null) {
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint ep = endpoints.get(i);
                if (!isLoopback(ep.host())) {
                    p.at(eps.get(i), e.field("endpoints") + "[" + i + "]", "etcd beyond the loopback needs TLS: "
                            + "give tlsCa (and tlsCert, tlsKey for client certificates)");
                }
            }
        }
        return new Campus.Etcd(endpoints, prefix, leaseTtl, budgetTtl, roundMs, tls);
    }

    /**
     * Rounds from an appliance's last sight of its budget (up to a round and a quarter before it is cut off) until
     * the others hold budgets lowered for its static share: heard last up to a round before, silent after 2.5 rounds
     * more, the next round written, read within a quarter round, plus a round of margin for etcd's latency.
     */
    public static final long SILENT_TO_LOWERED_ROUNDS = 7;

    /** Twice the lease TTL, at least the lease TTL plus two rounds, and at least {@link #SILENT_TO_LOWERED_ROUNDS}. */
    public static long defaultBudgetTtl(long leaseTtlMs, long roundMs) {
        return Math.max(Math.max(2 * leaseTtlMs, leaseTtlMs + 2 * roundMs), SILENT_TO_LOWERED_ROUNDS * roundMs);
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static Path file(Problems p, Checks checks, Val<String> v) {
        if (v == null || !v.ok()) {
            return null;
        }
        Path f = checks.path(v.value());
        if (!Files.isRegularFile(f)) {
            p.at(v.node(), v.field(), "no such file: " + f);
        }
        return f;
    }

    /** The section readers' shared checks, for the campus file. */
    private static final class Checks extends SectionReader {
        Checks(SiteReading ctx) {
            super(ctx);
        }
    }
}
