package io.headroom.grid.openadr2b;

import io.headroom.testsupport.TestClock;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.vtn.BenchVtn2b;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The 2.0b bench VTN over HTTPS with client certificates (EC test PKI made at test time), validating everything it
 * receives against the XSDs when they are present; a clock the test moves; a hall; a VEN factory.
 */
final class Ven2bFixture implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");
    static final double BEFORE_W = 500_000;
    static final double DURING_W = 380_000;

    final TestClock clock = new TestClock(T0);
    final BenchVtn2b vtn;
    final Path dir;
    final Instant eventStart = T0.plus(Duration.ofMinutes(5));
    final TestCerts.Party vtnCert;
    final List<Ven2b> vens = new ArrayList<>();

    /** Expected 500 kW, 150 kW flexible, 300 kW critical floor: the site can hold 350 kW. */
    FlexibilityOracle oracle = (s, e) -> new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 0);

    final SiteTelemetry telemetry = (from, to) -> {
        double wh = 0;
        Instant a = from;
        if (a.isBefore(eventStart)) {
            Instant b = to.isBefore(eventStart) ? to : eventStart;
            wh += BEFORE_W * Duration.between(a, b).toMillis() / 3_600_000.0;
            a = b;
        }
        if (a.isBefore(to)) {
            wh += DURING_W * Duration.between(a, to).toMillis() / 3_600_000.0;
        }
        return OptionalDouble.of(wh);
    };

    Ven2bFixture(Path dir) throws Exception {
        this(dir, BenchVtn2b.Options.loopback().telemetryOnRegister(Duration.ofMinutes(5)));
    }

    Ven2bFixture(Path dir, BenchVtn2b.Options options) throws Exception {
        this.dir = dir;
        vtnCert = TestCerts.party("EC", "bench-ca", "vtn", true);
        Path schemas = Files.isRegularFile(OadrSchema.DIR.resolve("oadr_20b.xsd")) ? OadrSchema.DIR : null;
        vtn = new BenchVtn2b(null, clock, options.tls(vtnCert.cert(), vtnCert.key(), vtnCert.ca()).schemaDir(schemas));
        vtn.start();
    }

    /** A VEN with the first test certificate (VEN identities are certificates: two VENs at once need two). */
    Ven2bConfig.Builder config(String name) throws Exception {
        return config(name, "ven-1");
    }

    Ven2bConfig.Builder config(String name, String certName) throws Exception {
        TestCerts.Party p = TestCerts.party("EC", "bench-ca", certName, false);
        return Ven2bConfig.builder(URI.create(vtn.baseUrl()), name, dir.resolve(name + ".db"))
                .tls(p.cert(), p.key(), p.ca())
                .pollInterval(Duration.ZERO).tick(Duration.ofMillis(50)).retryBackoff(Duration.ZERO).httpTimeout(Duration.ofSeconds(5));
    }

    Ven2b ven(Ven2bConfig cfg, CommitmentBook book) {
        Ven2b v = new Ven2b(cfg, book, oracle, telemetry, clock);
        vens.add(v);
        v.start();
        return v;
    }

    static OadrEvent dispatchEvent(String id, Instant start, double... kw) {
        List<OadrEvent.Interval> ivs = new ArrayList<>();
        for (int i = 0; i < kw.length; i++) {
            ivs.add(new OadrEvent.Interval(Integer.toString(i), Duration.ofMinutes(15), kw[i]));
        }
        return new OadrEvent(id, 0, "http://bench.headroom/dr", T0, "far", start, Duration.ofMinutes(15L * kw.length), null, false,
                "always", List.of(new OadrEvent.Signal("LOAD_DISPATCH", "setpoint", "dispatch",
                        new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k"), ivs)), List.of(), List.of());
    }

    @Override
    public void close() throws Exception {
        for (Ven2b v : vens) {
            try {
                v.close();
            } catch (Exception ignored) {
                // already closed by the test
            }
        }
        vtn.close();
    }
}
