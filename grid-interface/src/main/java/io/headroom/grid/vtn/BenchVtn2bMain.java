package io.headroom.grid.vtn;

import io.headroom.grid.openadr2b.OadrTls;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the OpenADR 2.0b bench VTN until killed.
 * <pre>
 * BenchVtn2bMain --tls-cert VTN.pem --tls-key VTN-KEY.pem --tls-ca CA.pem [--host 127.0.0.1] [--port 8082]
 *                [--scenario FILE.json] [--poll-freq PT10S] [--telemetry PT5M] [--schemas DIR] [--allow-rsa] [--utility-quirks]
 *                [--xml-signature]
 * </pre>
 * {@code --allow-rsa} also offers TLS_RSA_WITH_AES_128_CBC_SHA256 (served through Bouncy Castle JSSE: SunJSSE refuses it on JDK 25).
 * {@code --xml-signature} signs every reply and requires signed requests (see {@code OadrSignature}).
 */
public final class BenchVtn2bMain {

    private BenchVtn2bMain() {
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 8082;
        Path cert = null;
        Path key = null;
        Path ca = null;
        Path scenario = null;
        Path schemas = null;
        Duration poll = Duration.ofSeconds(10);
        Duration telemetry = null;
        boolean rsa = false;
        boolean quirks = false;
        boolean sign = false;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> { host = v; i++; }
                case "--port" -> { port = Integer.parseInt(v); i++; }
                case "--tls-cert" -> { cert = Path.of(v); i++; }
                case "--tls-key" -> { key = Path.of(v); i++; }
                case "--tls-ca" -> { ca = Path.of(v); i++; }
                case "--scenario" -> { scenario = Path.of(v); i++; }
                case "--schemas" -> { schemas = Path.of(v); i++; }
                case "--poll-freq" -> { poll = Duration.parse(v); i++; }
                case "--telemetry" -> { telemetry = Duration.parse(v); i++; }
                case "--allow-rsa" -> rsa = true;
                case "--xml-signature" -> sign = true;
                case "--utility-quirks" -> quirks = true;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (cert == null || key == null || ca == null) {
            System.err.println("--tls-cert, --tls-key and --tls-ca are required (2.0b is mutual TLS)");
            System.exit(2);
        }
        BenchVtn2b.Options o = BenchVtn2b.Options.loopback().port(port).tls(cert, key, ca).pollFreq(poll).schemaDir(schemas)
                .telemetryOnRegister(telemetry).cipherSuites(rsa ? OadrTls.PROFILE_SUITES : java.util.List.of(OadrTls.ECDHE_ECDSA));
        o = new BenchVtn2b.Options(host, o.port(), o.tlsCert(), o.tlsKey(), o.tlsCa(), o.cipherSuites(), o.pollFreq(), o.schemaDir(),
                o.telemetryOnRegister(), sign);
        if (quirks) {
            o = o.quirks(BenchVtn2b.Quirks.UTILITY);
        }
        BenchVtn2b vtn = new BenchVtn2b(null, Clock.systemUTC(), o);
        vtn.start();
        if (scenario != null) {
            vtn.loadScenario(scenario);
        }
        System.out.println("bench VTN 2.0b at " + vtn.baseUrl() + " (state: https://" + host + ":" + port + "/bench/state)");
        new CountDownLatch(1).await();
    }
}
