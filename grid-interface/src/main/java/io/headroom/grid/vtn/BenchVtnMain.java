package io.headroom.grid.vtn;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the bench VTN until killed.
 * <pre>
 * BenchVtnMain [--host 127.0.0.1] [--port 8081] [--scenario FILE.json] [--token-lifetime PT1H]
 *              [--client ID:SECRET:BL|VEN]... [--tls-cert CERT.pem --tls-key KEY.pem]
 * </pre>
 * Without --client it accepts {@code bl:bl-secret:BL} and {@code ven:ven-secret:VEN}.
 */
public final class BenchVtnMain {

    private BenchVtnMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchVtn.Options o = new BenchVtn.Options("127.0.0.1", 8081, Duration.ofHours(1), null, null);
        Path scenario = null;
        Path cert = null;
        Path key = null;
        java.util.List<String[]> clients = new java.util.ArrayList<>();
        String host = o.host();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> { host = v; i++; }
                case "--port" -> { o = o.port(Integer.parseInt(v)); i++; }
                case "--scenario" -> { scenario = Path.of(v); i++; }
                case "--token-lifetime" -> { o = o.tokenLifetime(Duration.parse(v)); i++; }
                case "--client" -> { clients.add(v.split(":", 3)); i++; }
                case "--tls-cert" -> { cert = Path.of(v); i++; }
                case "--tls-key" -> { key = Path.of(v); i++; }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        o = new BenchVtn.Options(host, o.port(), o.tokenLifetime(), cert, key);
        BenchVtn vtn = new BenchVtn(null, Clock.systemUTC(), o);
        if (clients.isEmpty()) {
            vtn.addClient("bl", "bl-secret", BenchVtn.Role.BL).addClient("ven", "ven-secret", BenchVtn.Role.VEN);
        }
        for (String[] c : clients) {
            vtn.addClient(c[0], c[1], BenchVtn.Role.valueOf(c[2]));
        }
        vtn.start();
        if (scenario != null) {
            vtn.loadScenario(scenario);
        }
        System.out.println("bench VTN at " + vtn.baseUrl() + " (state: " + vtn.baseUrl() + "/bench/state)");
        new CountDownLatch(1).await();
    }
}
