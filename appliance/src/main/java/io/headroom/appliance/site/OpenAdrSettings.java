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
 * @param tlsAllowRsaKeyExchange 2.0b: also offer TLS_RSA_WITH_AES_128_CBC_SHA256; JDK 25 can only enable it for the
 *                       whole appliance process (done at start-up, with a WARN line)
 */
public record OpenAdrSettings(boolean enabled, String version, String vtnUrl, String venName, String clientId,
                              String clientSecret, String tlsCert, String tlsKey, String tlsCa, long pollIntervalMs,
                              boolean xmlSignature, boolean tlsAllowRsaKeyExchange) {

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
