package io.headroom.appliance.site;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A campus: several appliances (one per switchgear lineup) behind one point of interconnection, coordinated through
 * etcd (format: {@code sites/README.md}, <em>Campus files</em>; loaded by {@link CampusLoader}).
 *
 * @param name        the campus's name, also its etcd namespace under {@link Etcd#prefix()}
 * @param importLimitW the point of interconnection's import limit, W
 * @param rampLimitWps the most the campus import may rise per second, W/s (0: no ramp limit)
 * @param openadr     the campus's one OpenADR enrollment (the VEN runs on the coordinator)
 * @param etcd        where the coordination lives
 * @param appliances  one per lineup, in file order; their static shares sum to at most the import limit
 */
public record Campus(String name, double importLimitW, double rampLimitWps, OpenAdrSettings openadr, Etcd etcd,
                     List<Member> appliances) {

    public Campus {
        appliances = List.copyOf(appliances);
    }

    /**
     * One appliance of the campus.
     *
     * @param id           unique in the campus
     * @param siteFile     its lineup's site file (resolved against the campus file's folder)
     * @param site         that site file, loaded
     * @param staticShareW what it may import when it has no valid budget lease (etcd unreachable, lease lapsed); never
     *                     above it
     */
    public record Member(String id, Path siteFile, Site site, double staticShareW) {
    }

    /**
     * The etcd cluster and the timing of the coordination.
     *
     * @param endpoints   host:port of each member's client URL, tried in order
     * @param prefix      key prefix; the campus's keys live under {@code prefix/name/}
     * @param leaseTtlMs  the election lease's TTL (a dead coordinator is replaced after at most this, plus a round)
     * @param budgetTtlMs how long an appliance keeps a budget it has seen without seeing it rewritten
     * @param roundMs     the coordinator splits the budget, and each appliance publishes, once per round
     * @param tls         client TLS, or null for plain HTTP on loopback
     */
    public record Etcd(List<Endpoint> endpoints, String prefix, long leaseTtlMs, long budgetTtlMs, long roundMs,
                       Tls tls) {
        public Etcd {
            endpoints = List.copyOf(endpoints);
        }
    }

    /** Client TLS for etcd: the CA that signed the members' certificates; a client certificate and key (optional). */
    public record Tls(Path ca, Path cert, Path key) {
    }

    public Optional<Member> member(String id) {
        return appliances.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /** The sum of the static shares, W. */
    public double staticSharesW() {
        return appliances.stream().mapToDouble(Member::staticShareW).sum();
    }
}
