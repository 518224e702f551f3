package io.headroom.hil.campus;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.campus.CampusNode;
import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.Endpoint;
import io.headroom.hil.Bench;
import io.headroom.testsupport.EtcdCluster;
import io.headroom.testsupport.TcpProxy;

/**
 * The campus in a box: a 3-member etcd cluster (Debian's {@code etcd} on free loopback ports below 32768, started and
 * stopped here like the bench's Modbus servers) and one {@link Bench} per appliance of the campus file (its plant,
 * meters and agents on free ports, the appliance joined to the campus). Each appliance reaches etcd through a
 * {@link TcpProxy} per member, so a drill can cut one appliance off ({@link #partition}).
 */
public final class CampusBench implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CampusBench.class);

    /** One appliance of the campus on the bench. */
    public record Lineup(Campus.Member member, Bench bench, AtomicReference<CampusNode> node, List<TcpProxy> links) {
        public CampusNode campus() {
            return node.get();
        }
    }

    private final Campus campus;
    private final EtcdCluster etcd;
    private final List<Lineup> lineups;
    private final List<Boolean> dead = new ArrayList<>();

    private CampusBench(Campus campus, EtcdCluster etcd, List<Lineup> lineups) {
        this.campus = campus;
        this.etcd = etcd;
        this.lineups = lineups;
        lineups.forEach(l -> dead.add(false));
    }

    /**
     * Starts the cluster, then every appliance with its plant.
     *
     * @param httpPort the first appliance's API port, the next ones' the following ports; 0: free ports
     */
    public static CampusBench start(Campus campus, Path dataDir, String httpHost, int httpPort, long seed)
            throws Exception {
        EtcdCluster etcd = EtcdCluster.start(dataDir.resolve("etcd"), 3);
        List<Lineup> lineups = new ArrayList<>();
        try {
            Campus wired = withEndpoints(campus, etcd.endpoints());
            for (int i = 0; i < campus.appliances().size(); i++) {
                Campus.Member m = campus.appliances().get(i);
                List<TcpProxy> links = new ArrayList<>();
                for (int k = 0; k < etcd.size(); k++) {
                    links.add(new TcpProxy(new InetSocketAddress("127.0.0.1", etcd.clientPort(k))));
                }
                Campus own = withEndpoints(wired, links.stream().map(TcpProxy::endpoint).toList());
                AtomicReference<CampusNode> node = new AtomicReference<>();
                Path data = dataDir.resolve(m.id());
                int port = httpPort == 0 ? 0 : httpPort + i;
                Appliance.Options ao = Appliance.Options.of(httpHost, port, data)
                        .withCampus(new CampusNode.Join(own, m.id(), true, node::set));
                Bench bench;
                try {
                    bench = Bench.start(m.site(), new Bench.Options(httpHost, port, true, seed + i, data, ao)
                            .withUdpWaveforms(true));
                } catch (Exception | Error e) {
                    links.forEach(TcpProxy::close); // this lineup's proxies: not yet among the lineups below
                    throw e;
                }
                lineups.add(new Lineup(m, bench, node, links));
                log.info("campus {}: {} up, dashboard http://{}:{}/", campus.name(), m.id(), httpHost,
                        bench.appliance().httpPort());
            }
            return new CampusBench(wired, etcd, lineups);
        } catch (Exception | Error e) {
            for (Lineup l : lineups) {
                l.bench().close();
                l.links().forEach(TcpProxy::close);
            }
            etcd.close();
            throw e;
        }
    }

    static Campus withEndpoints(Campus c, List<String> endpoints) {
        List<Endpoint> eps = endpoints.stream().map(e -> new Endpoint(e.substring(0, e.lastIndexOf(':')),
                Integer.parseInt(e.substring(e.lastIndexOf(':') + 1)))).toList();
        Campus.Etcd e = c.etcd();
        return new Campus(c.name(), c.importLimitW(), c.rampLimitWps(), c.openadr(),
                new Campus.Etcd(eps, e.prefix(), e.leaseTtlMs(), e.budgetTtlMs(), e.roundMs(), null), c.appliances());
    }

    public Campus campus() {
        return campus;
    }

    public EtcdCluster etcd() {
        return etcd;
    }

    public List<Lineup> lineups() {
        return lineups;
    }

    /** A lineup by id; {@code survivor}: the first live one that does not coordinate. */
    public Lineup lineup(String id) {
        if (id.equals("survivor")) {
            return lineups.stream().filter(l -> !dead(l) && (l.campus() == null || !l.campus().isCoordinator()))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no surviving appliance"));
        }
        return lineups.stream().filter(l -> l.member().id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no appliance '" + id + "' in campus " + campus.name()));
    }

    public synchronized boolean dead(Lineup l) {
        return dead.get(lineups.indexOf(l));
    }

    /** The appliance that coordinates now, or null. */
    public Lineup coordinator() {
        for (Lineup l : lineups) {
            if (!dead(l) && l.campus() != null && l.campus().isCoordinator()) {
                return l;
            }
        }
        return null;
    }

    /** What the campus imports now: every lineup's feeds, as the plants draw them, W. */
    public double importW() {
        double w = 0;
        for (Lineup l : lineups) {
            for (var f : l.member().site().feeds()) {
                w += l.bench().plant().feedPowerW(f.id());
            }
        }
        return w;
    }

    public int trips() {
        return lineups.stream().mapToInt(l -> l.bench().plant().trips()).sum();
    }

    /**
     * Kills an appliance as a crash would: its campus side stops without resigning (its leases lapse in etcd), and
     * the appliance stops (its agents keep their caps until their leases lapse, then hold their safe caps); its
     * plant keeps drawing.
     */
    public synchronized void kill(Lineup l) {
        dead.set(lineups.indexOf(l), true);
        if (l.campus() != null) {
            l.campus().crash();
        }
        l.bench().appliance().close();
        log.info("campus {}: appliance {} killed", campus.name(), l.member().id());
    }

    /** Cuts (or heals) every connection between an appliance and etcd. */
    public void partition(Lineup l, boolean cut) {
        for (TcpProxy p : l.links()) {
            if (cut) {
                p.cut();
            } else {
                p.heal();
            }
        }
        log.info("campus {}: appliance {} {} etcd", campus.name(), l.member().id(), cut ? "cut off from" : "reconnected to");
    }

    /** Writes (or, with NaN, clears) the campus's DR commitment in etcd: an import limit the coordinator obeys. */
    public void commitment(double w) throws IOException {
        try (io.headroom.appliance.campus.EtcdClient c = io.headroom.appliance.campus.EtcdClient.of(campus.etcd(),
                java.time.Duration.ofSeconds(2))) {
            String key = io.headroom.appliance.campus.CampusKeys.of(campus).commitment();
            if (Double.isNaN(w)) {
                c.delete(key);
            } else {
                c.put(key, "{\"w\":" + w + "}", 0);
            }
        }
    }

    @Override
    public void close() {
        for (Lineup l : lineups) {
            try {
                l.bench().close();
            } catch (RuntimeException e) {
                log.warn("closing {}: {}", l.member().id(), e.toString());
            }
            l.links().forEach(TcpProxy::close);
        }
        etcd.close();
        log.info("campus bench stopped");
    }
}
