package io.headroom.hil;

import io.headroom.grid.vtn.BenchPki;
import io.headroom.grid.vtn.BenchVtn2b;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The bench VTN (OpenADR 2.0b) on loopback over mutual TLS, with a bench PKI made in {@code pkiDir}: a CA, the
 * VTN's server certificate and the VEN's client certificate (EC, for the profile's ECDHE-ECDSA suite).
 */
final class LocalVtn2b implements AutoCloseable {

    private final Vertx vertx;
    private final BenchVtn2b vtn;
    private final BenchPki.Party ven;

    private LocalVtn2b(Vertx vertx, BenchVtn2b vtn, BenchPki.Party ven) {
        this.vertx = vertx;
        this.vtn = vtn;
        this.ven = ven;
    }

    /**
     * @param telemetryEvery how often the VTN asks the VEN for usage telemetry once it registers
     */
    static LocalVtn2b start(Path scenario, Path pkiDir, Duration pollEvery, Duration telemetryEvery) throws Exception {
        BenchPki pki = BenchPki.in(pkiDir);
        BenchPki.Party server = pki.party("EC", "bench-ca", "vtn", true);
        BenchPki.Party ven = pki.party("EC", "bench-ca", "ven", false);
        Vertx vertx = Vertx.vertx();
        try {
            BenchVtn2b vtn = new BenchVtn2b(vertx, Clock.systemUTC(), BenchVtn2b.Options.loopback()
                    .tls(server.cert(), server.key(), server.ca()).pollFreq(pollEvery).telemetryOnRegister(telemetryEvery));
            vtn.start();
            if (scenario != null) {
                vtn.loadScenario(scenario);
            }
            return new LocalVtn2b(vertx, vtn, ven);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** The 2.0b service prefix, e.g. {@code https://127.0.0.1:PORT/OpenADR2/Simple/2.0b}. */
    String baseUrl() {
        return vtn.baseUrl();
    }

    /** The VEN's client certificate, key and the CA. */
    BenchPki.Party ven() {
        return ven;
    }

    BenchVtn2b vtn() {
        return vtn;
    }

    @Override
    public void close() {
        try {
            vtn.close();
        } catch (Exception ignored) {
            // closing anyway
        }
        vertx.close();
    }
}
