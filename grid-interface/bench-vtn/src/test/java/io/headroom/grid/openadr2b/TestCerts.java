package io.headroom.grid.openadr2b;

import io.headroom.grid.vtn.BenchPki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test PKI: a {@link BenchPki} per algorithm in a temporary folder, cached per JVM. */
public final class TestCerts {

    /** One party's PEM files. */
    public record Party(Path cert, Path key, Path ca) {
    }

    private static final Map<String, BenchPki> PKIS = new ConcurrentHashMap<>();

    private TestCerts() {
    }

    /** {@code alg}: "EC" (secp256r1) or "RSA" (2048). {@code ca}: the name of the CA (a second CA gives untrusted certs). */
    public static synchronized Party party(String alg, String ca, String name, boolean server) throws Exception {
        BenchPki pki = PKIS.computeIfAbsent(alg, a -> {
            try {
                return BenchPki.in(Files.createTempDirectory("headroom-oadr2b-pki-" + a));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        BenchPki.Party p = pki.party(alg, ca, name, server);
        return new Party(p.cert(), p.key(), p.ca());
    }

    /**
     * A party of a utility-style test PKI: RSA, X.509 v1 certificates without extensions, PKCS#1 keys
     * ({@link BenchPki#v1Rsa}); a server's CN is its host name ("localhost").
     */
    public static synchronized Party v1(String ca, String cn) throws Exception {
        BenchPki pki = PKIS.computeIfAbsent("v1", a -> {
            try {
                return BenchPki.in(Files.createTempDirectory("headroom-oadr2b-pki-v1"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        BenchPki.Party p = pki.v1Rsa(ca, cn);
        return new Party(p.cert(), p.key(), p.ca());
    }
}
