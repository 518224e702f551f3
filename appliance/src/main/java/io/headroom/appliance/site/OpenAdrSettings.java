package io.headroom.appliance.site;

/**
 * Enrollment with the utility's OpenADR server (the site file's {@code openadr} section; every field can be
 * overridden on the command line). Paths are as written in the site file, relative to the working directory.
 *
 * @param clientId       OAuth2 client id (3.x), or ""
 * @param clientSecret   OAuth2 client secret (3.x), or ""
 * @param tlsCert        client certificate chain, PEM (2.0b), or ""
 * @param tlsKey         client key, PKCS#8 PEM (2.0b), or ""
 * @param tlsCa          CA that signs the VTN's certificate, PEM, or ""
 * @param pollIntervalMs how often to poll the VTN; 0: what the VTN asks (2.0b) or the VEN's default (3.x)
 * @param xmlSignature   2.0b: sign every payload (XML signature with ReplayProtect), advertise oadrXmlSignature and
 *                       require signed messages from the VTN
 * @param tlsAllowRsaKeyExchange accepted for old site files, no effect: the 2.0b VEN always offers the RSA suite on its
 *                       own TLS context
 * @param tlsProfile     2.0b: "default" (TLS 1.3/1.2, modern ECDHE suites and the mandated two) or "certification"
 *                       (exactly the mandated two), or "" (default)
 * @param tlsKeyPassword 2.0b: password of an encrypted PKCS#8 key or a PKCS#12 file, or ""
 * @param insecureHttp   accept an http:// VTN or callback URL (no TLS: benches on loopback only)
 */
public record OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName, String clientId,
                              String clientSecret, String tlsCert, String tlsKey, String tlsCa, long pollIntervalMs,
                              boolean xmlSignature, boolean tlsAllowRsaKeyExchange, String tlsProfile, String tlsKeyPassword,
                              boolean insecureHttp) {

    public OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName, String clientId,
                           String clientSecret, String tlsCert, String tlsKey, String tlsCa, long pollIntervalMs,
                           boolean xmlSignature, boolean tlsAllowRsaKeyExchange) {
        this(enabled, version, vtnUrl, venName, clientId, clientSecret, tlsCert, tlsKey, tlsCa, pollIntervalMs, xmlSignature,
                tlsAllowRsaKeyExchange, "", "", false);
    }

    public OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName, String clientId,
                           String clientSecret, String tlsCert, String tlsKey, String tlsCa, long pollIntervalMs) {
        this(enabled, version, vtnUrl, venName, clientId, clientSecret, tlsCert, tlsKey, tlsCa, pollIntervalMs, false, false);
    }

    public OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName) {
        this(enabled, version, vtnUrl, venName, "", "", "", "", "", 0);
    }

    public static OpenAdrSettings disabled() {
        return new OpenAdrSettings(false, "3.1", "", "");
    }
}
