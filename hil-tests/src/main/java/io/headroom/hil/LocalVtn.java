package io.headroom.hil;

import io.headroom.grid.vtn.BenchVtn;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Clock;

/** The bench VTN (OpenADR 3.1) on loopback, for a bench enrolled without a utility's VTN. */
public final class LocalVtn implements AutoCloseable {

    public static final String VEN_CLIENT = "headroom-ven";
    public static final String VEN_SECRET = "bench-ven-secret";
    public static final String OPERATOR_CLIENT = "bench-operator";
    public static final String OPERATOR_SECRET = "bench-operator-secret";

    private final Vertx vertx;
    private final BenchVtn vtn;

    private LocalVtn(Vertx vertx, BenchVtn vtn) {
        this.vertx = vertx;
        this.vtn = vtn;
    }

    public static LocalVtn start(Path scenario) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            BenchVtn vtn = new BenchVtn(vertx, Clock.systemUTC(), BenchVtn.Options.loopback())
                    .addClient(VEN_CLIENT, VEN_SECRET, BenchVtn.Role.VEN)
                    .addClient(OPERATOR_CLIENT, OPERATOR_SECRET, BenchVtn.Role.BL);
            vtn.start();
            if (scenario != null) {
                vtn.loadScenario(scenario);
            }
            return new LocalVtn(vertx, vtn);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    public String baseUrl() {
        return vtn.baseUrl();
    }

    public BenchVtn vtn() {
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
