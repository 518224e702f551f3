package io.headroom.appliance.campus;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.CampusLoader;
import io.headroom.appliance.site.Endpoint;
import io.headroom.testsupport.EtcdCluster;
import io.headroom.testsupport.Sites;

/** The example campus on a test's etcd, with short timings: a 2 s election lease, 500 ms rounds, 4 s budgets. */
final class TestCampus {

    static final long LEASE_TTL_MS = 2000;
    static final long ROUND_MS = 500;
    static final long BUDGET_TTL_MS = 4000;

    private TestCampus() {
    }

    /** Skips where Debian's etcd is not installed, except in CI ({@code CI=true}), where it fails. */
    static void assumeEtcd() {
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(EtcdCluster.available(), "no etcd binary (apt-get install etcd-server)");
        }
    }

    static Campus example() throws Exception {
        return CampusLoader.load(Sites.dir().resolve("example-campus.yaml"));
    }

    /** {@code base} with its etcd at {@code endpoints} ({@code host:port}) and the short timings. */
    static Campus on(Campus base, List<String> endpoints, String prefix) {
        List<Endpoint> eps = endpoints.stream().map(e -> new Endpoint(e.substring(0, e.lastIndexOf(':')),
                Integer.parseInt(e.substring(e.lastIndexOf(':') + 1)))).toList();
        return new Campus(base.name(), base.importLimitW(), base.rampLimitWps(), base.openadr(),
                new Campus.Etcd(eps, prefix, LEASE_TTL_MS, BUDGET_TTL_MS, ROUND_MS, null), base.appliances());
    }

    static Path sites() {
        return Sites.dir();
    }
}
