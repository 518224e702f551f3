package io.headroom.grid.tls;

import javax.net.ssl.SSLParameters;
import java.util.List;
import java.util.Locale;

/**
 * What the OpenADR 2.0b VEN offers a VTN in its TLS handshake ({@code openadr.tlsProfile} in the site file,
 * {@code --tls-profile} on the command line).
 * <ul>
 *   <li>{@link #DEFAULT}: TLS 1.3 and 1.2; the modern ECDHE suites with AES-GCM for RSA and ECDSA certificates (what
 *       utility VTNs' TLS stacks offer today) and the two suites the 2.0b profile mandates. Interoperable, and never
 *       weaker than the profile.</li>
 *   <li>{@link #CERTIFICATION}: exactly what the 2.0b security profile says: TLS 1.2 with
 *       {@code TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256} and {@code TLS_RSA_WITH_AES_128_CBC_SHA256}, for a certification
 *       test house or a VTN that insists.</li>
 * </ul>
 * Both check the VTN's host name against its certificate (endpoint identification "HTTPS").
 */
public enum TlsProfile {
    DEFAULT("default", List.of("TLSv1.3", "TLSv1.2"), List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            TlsProfile.ECDHE_ECDSA_CBC, TlsProfile.RSA_CBC)),
    CERTIFICATION("certification", List.of("TLSv1.2"), List.of(TlsProfile.ECDHE_ECDSA_CBC, TlsProfile.RSA_CBC));

    /** The profile's suite for EC certificates. */
    public static final String ECDHE_ECDSA_CBC = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
    /** The profile's suite for RSA certificates (RSA key transport: JDK 25's SunJSSE refuses it process-wide). */
    public static final String RSA_CBC = "TLS_RSA_WITH_AES_128_CBC_SHA256";
    public static final List<String> MANDATED = List.of(ECDHE_ECDSA_CBC, RSA_CBC);

    private final String label;
    private final List<String> protocols;
    private final List<String> cipherSuites;

    TlsProfile(String label, List<String> protocols, List<String> cipherSuites) {
        this.label = label;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
    }

    public String label() {
        return label;
    }

    public List<String> protocols() {
        return protocols;
    }

    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** Protocols, suites (in this order of preference) and host name checking for one connection. */
    public SSLParameters parameters() {
        SSLParameters p = new SSLParameters(cipherSuites.toArray(String[]::new), protocols.toArray(String[]::new));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        return p;
    }

    /** "default" or "certification" (also "strict"); null or blank: default. */
    public static TlsProfile parse(String s) {
        if (s == null || s.isBlank()) {
            return DEFAULT;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "default" -> DEFAULT;
            case "certification", "strict" -> CERTIFICATION;
            default -> throw new IllegalArgumentException("unknown TLS profile '" + s + "' (default or certification)");
        };
    }
}
