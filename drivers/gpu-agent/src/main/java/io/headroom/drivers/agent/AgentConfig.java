package io.headroom.drivers.agent;

import io.headroom.drivers.gpuprotocol.Dtls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's configuration file ({@code /etc/headroom/agent.properties}), Java properties syntax:
 *
 * <pre>
 * listen = 0.0.0.0:5684             # CoAP (or CoAPS when dtls is not off)
 * trigger-listen = 0.0.0.0:5685     # trigger datagrams; "off" = none
 * safe-cap-w = 350                  # one value for every GPU, or one per GPU: 350,350,400,...
 * max-lease-ms = 60000
 * backend = nvml                    # or amd (AMD SMI), or fake
 * nvml-library = /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1   # optional
 * fake-gpus = 8                     # fake backend: count and range
 * fake-range-w = 200..700
 * dtls = psk                        # psk, certificates or off
 * psk-identity = agent-n17
 * psk-key-file = /etc/headroom/agent.psk            # hex, at least 16 bytes
 * key-store = /etc/headroom/agent.p12               # certificates: PKCS12 with the key and chain
 * key-store-password-file = /etc/headroom/agent.p12.pass
 * trusted-certificates = /etc/headroom/hall-ca.pem  # the appliance's CA(s), PEM
 * </pre>
 *
 * Every problem is reported at once, each with the file and the key.
 */
public record AgentConfig(InetSocketAddress listen, InetSocketAddress triggerListen, List<Double> safeCapsW,
                          long maxLeaseMs, String backend, Path nvmlLibrary, int fakeGpus, double fakeMinW,
                          double fakeMaxW, Dtls.Psk psk, Dtls.Certificates certificates) {

    private static final Set<String> KEYS = Set.of("listen", "trigger-listen", "safe-cap-w", "max-lease-ms", "backend",
            "nvml-library", "amd-smi-library", "fake-gpus", "fake-range-w", "dtls", "psk-identity", "psk-key-file", "key-store",
            "key-store-password-file", "trusted-certificates");

    /** Thrown with every problem of a file, one per line. */
    public static final class ConfigException extends Exception {
        private final List<String> problems;

        ConfigException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    public static AgentConfig load(Path file) throws ConfigException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        List<String> errors = new ArrayList<>();
        Parser in = new Parser(file, p, errors);
        for (String k : p.stringPropertyNames()) {
            if (!KEYS.contains(k)) {
                errors.add(file + ": unknown key '" + k + "' (known: " + String.join(", ", KEYS.stream().sorted().toList())
                        + ")");
            }
        }
        InetSocketAddress listen = in.address("listen", "0.0.0.0:" + Dtls.DEFAULT_PORT);
        String trig = p.getProperty("trigger-listen", "0.0.0.0:5685").trim();
        InetSocketAddress triggerListen = trig.equals("off") ? null : in.address("trigger-listen", trig);
        List<Double> safe = in.watts("safe-cap-w");
        long maxLease = in.longValue("max-lease-ms", 60_000, 1, 3_600_000);
        String backend = in.oneOf("backend", "nvml", "nvml", "amd", "fake");
        Path lib = p.containsKey("nvml-library") ? Path.of(p.getProperty("nvml-library").trim())
                : p.containsKey("amd-smi-library") ? Path.of(p.getProperty("amd-smi-library").trim()) : null;
        int fakeGpus = (int) in.longValue("fake-gpus", 8, 1, 255);
        double[] range = in.range("fake-range-w", "200..700");
        String dtls = in.oneOf("dtls", "psk", "psk", "certificates", "off");
        Dtls.Psk psk = null;
        Dtls.Certificates certs = null;
        if (dtls.equals("psk")) {
            psk = in.psk();
        } else if (dtls.equals("certificates")) {
            certs = in.certificates();
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new AgentConfig(listen, triggerListen, safe, maxLease, backend, lib, fakeGpus, range[0], range[1], psk,
                certs);
    }

    private record Parser(Path file, Properties p, List<String> errors) {
        String raw(String key) {
            String v = p.getProperty(key);
            return v == null ? null : v.trim();
        }

        void error(String key, String msg) {
            errors.add(file + ": " + key + ": " + msg);
        }

        InetSocketAddress address(String key, String dflt) {
            String v = raw(key) == null ? dflt : raw(key);
            int colon = v.lastIndexOf(':');
            if (colon <= 0) {
                error(key, "expected HOST:PORT, got '" + v + "'");
                return null;
            }
            try {
                int port = Integer.parseInt(v.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new InetSocketAddress(v.substring(0, colon), port);
            } catch (NumberFormatException e) {
                error(key, "port must be 0..65535, got '" + v.substring(colon + 1) + "'");
                return null;
            }
        }

        List<Double> watts(String key) {
            String v = raw(key);
            if (v == null) {
                error(key, "required: the cap each GPU falls back to without an appliance (W; one value or one per GPU)");
                return List.of();
            }
            List<Double> out = new ArrayList<>();
            for (String part : v.split(",")) {
                try {
                    double w = Double.parseDouble(part.trim());
                    if (!(w > 0) || Double.isInfinite(w)) {
                        throw new NumberFormatException();
                    }
                    out.add(w);
                } catch (NumberFormatException e) {
                    error(key, "expected a positive number of W, got '" + part.trim() + "'");
                }
            }
            return out;
        }

        long longValue(String key, long dflt, long min, long max) {
            String v = raw(key);
            if (v == null) {
                return dflt;
            }
            try {
                long x = Long.parseLong(v);
                if (x < min || x > max) {
                    error(key, "must be " + min + ".." + max + ", got " + x);
                }
                return x;
            } catch (NumberFormatException e) {
                error(key, "expected an integer, got '" + v + "'");
                return dflt;
            }
        }

        String oneOf(String key, String dflt, String... allowed) {
            String v = raw(key) == null ? dflt : raw(key);
            if (!List.of(allowed).contains(v)) {
                error(key, "expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
            }
            return v;
        }

        double[] range(String key, String dflt) {
            String v = raw(key) == null ? dflt : raw(key);
            String[] parts = v.split("\\.\\.");
            try {
                double lo = Double.parseDouble(parts[0].trim());
                double hi = Double.parseDouble(parts[1].trim());
                if (parts.length != 2 || lo < 0 || hi < lo) {
                    throw new NumberFormatException();
                }
                return new double[]{lo, hi};
            } catch (RuntimeException e) {
                error(key, "expected MIN..MAX in W with 0 <= MIN <= MAX, got '" + v + "'");
                return new double[]{200, 700};
            }
        }

        Path readable(String key) {
            String v = raw(key);
            if (v == null) {
                error(key, "required");
                return null;
            }
            Path path = Path.of(v);
            if (!Files.isReadable(path)) {
                error(key, "cannot read " + path);
                return null;
            }
            return path;
        }

        Dtls.Psk psk() {
            String id = raw("psk-identity");
            if (id == null || id.isEmpty()) {
                error("psk-identity", "required with dtls = psk");
            }
            Path keyFile = readable("psk-key-file");
            if (id == null || id.isEmpty() || keyFile == null) {
                return null;
            }
            try {
                byte[] key = HexFormat.of().parseHex(Files.readString(keyFile).strip());
                return new Dtls.Psk(id, key);
            } catch (IOException | IllegalArgumentException e) {
                error("psk-key-file", keyFile + ": expected at least 16 bytes in hex: " + e.getMessage());
                return null;
            }
        }

        Dtls.Certificates certificates() {
            Path store = readable("key-store");
            Path pass = readable("key-store-password-file");
            Path trusted = readable("trusted-certificates");
            if (store == null || pass == null || trusted == null) {
                return null;
            }
            try {
                char[] password = Files.readString(pass).strip().toCharArray();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(store)) {
                    ks.load(in, password);
                }
                String alias = null;
                for (String a : java.util.Collections.list(ks.aliases())) {
                    if (ks.isKeyEntry(a)) {
                        alias = a;
                        break;
                    }
                }
                if (alias == null) {
                    error("key-store", store + " holds no private key");
                    return null;
                }
                PrivateKey key = (PrivateKey) ks.getKey(alias, password);
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate c : ks.getCertificateChain(alias)) {
                    chain.add((X509Certificate) c);
                }
                io.headroom.drivers.gpuprotocol.PeerIdentity id = io.headroom.drivers.gpuprotocol.PeerIdentity.of(chain.getFirst());
                if (!io.headroom.drivers.gpuprotocol.PeerIdentity.AGENT.equals(id.role()) || id.nodeId() == null) {
                    error("key-store", store + ": its certificate " + io.headroom.drivers.gpuprotocol.PeerIdentity
                            .describe(chain.getFirst()) + " must carry the agent role and this node (SAN URIs "
                            + io.headroom.drivers.gpuprotocol.PeerIdentity.AGENT + " and "
                            + io.headroom.drivers.gpuprotocol.PeerIdentity.NODE_PREFIX + "<node id>): the appliance refuses it otherwise");
                    return null;
                }
                List<X509Certificate> anchors = new ArrayList<>();
                try (InputStream in = Files.newInputStream(trusted)) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        anchors.add((X509Certificate) c);
                    }
                }
                return new Dtls.Certificates(key, chain, anchors);
            } catch (Exception e) {
                error("key-store", store + ": " + e.getMessage());
                return null;
            }
        }
    }
}
