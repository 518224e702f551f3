package io.headroom.appliance.cli;

import io.headroom.grid.openadr3.OpenAdrVersion;
import io.headroom.grid.openadr3.Ven3Config;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Enrollment with a utility's OpenADR server, from the command line (overrides the site file's section). */
public final class OpenAdrOptions {

    @Option(names = "--openadr-version", paramLabel = "VERSION", description = "3.1, 3.0.1 or 2.0b (enables the VEN)")
    public String version;

    @Option(names = "--vtn", paramLabel = "URL", description = "the VTN's base URL")
    public URI vtn;

    @Option(names = "--ven-name", paramLabel = "NAME", description = "this VEN's name at the VTN")
    public String venName;

    @Option(names = "--client-id", paramLabel = "ID", description = "OAuth2 client id (3.x)")
    public String clientId;

    @Option(names = "--client-secret", paramLabel = "SECRET", description = "OAuth2 client secret (3.x)")
    public String clientSecret;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "client certificate (2.0b)")
    public Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "client key (2.0b)")
    public Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "CA that signs the VTN's certificate")
    public Path tlsCa;

    @Option(names = "--openadr-xml-signature", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
            description = "2.0b: sign payloads (XML signature, ReplayProtect) and require signed messages from the VTN")
    public Boolean xmlSignature;

    @Option(names = "--tls-allow-rsa", paramLabel = "true|false", arity = "0..1", fallbackValue = "true", hidden = true,
            description = "no longer needed: the 2.0b VEN always offers TLS_RSA_WITH_AES_128_CBC_SHA256 on its own TLS context")
    public Boolean tlsAllowRsaKeyExchange;

    @Option(names = "--tls-profile", paramLabel = "default|certification",
            description = "2.0b: default (TLS 1.3/1.2, modern ECDHE suites and the two mandated ones) or certification (exactly the mandated two)")
    public String tlsProfile;

    @Option(names = "--tls-key-password", paramLabel = "PASSWORD",
            description = "2.0b: password of an encrypted PKCS#8 key or of a PKCS#12 file given as --tls-key")
    public String tlsKeyPassword;

    @Option(names = "--openadr-insecure-http", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
            description = "accept an http:// VTN or callback URL (no TLS: a bench VTN on loopback only)")
    public Boolean insecureHttp;

    @Option(names = "--webhook-listen", paramLabel = "HOST:PORT",
            description = "3.x: serve the VTN's callbacks here and subscribe to events (polling stays as the fallback)")
    public String webhookListen;

    @Option(names = "--webhook-url", paramLabel = "URL",
            description = "3.x: the callback URL the VTN is given, when it reaches this host by another name (default http://HOST:PORT)")
    public URI webhookUrl;

    /** How often to poll the VTN, from the site file (the command line has no flag for it); null: default. */
    public java.time.Duration pollInterval;

    public boolean enabled() {
        return version != null;
    }

    /**
     * Fills what the command line did not say from the site file's {@code openadr} section, when that section is
     * enabled: the command line overrides the site file, field by field.
     */
    public OpenAdrOptions withSiteDefaults(io.headroom.appliance.site.OpenAdrSettings site) {
        if (!site.enabled()) {
            return this;
        }
        version = version != null ? version : site.version();
        vtn = vtn != null ? vtn : URI.create(site.vtnUrl());
        venName = venName != null ? venName : site.venName();
        clientId = clientId != null ? clientId : blankToNull(site.clientId());
        clientSecret = clientSecret != null ? clientSecret : blankToNull(site.clientSecret());
        tlsCert = tlsCert != null ? tlsCert : pathOrNull(site.tlsCert());
        tlsKey = tlsKey != null ? tlsKey : pathOrNull(site.tlsKey());
        tlsCa = tlsCa != null ? tlsCa : pathOrNull(site.tlsCa());
        xmlSignature = xmlSignature != null ? xmlSignature : site.xmlSignature();
        tlsProfile = tlsProfile != null ? tlsProfile : blankToNull(site.tlsProfile());
        tlsKeyPassword = tlsKeyPassword != null ? tlsKeyPassword : blankToNull(site.tlsKeyPassword());
        insecureHttp = insecureHttp != null ? insecureHttp : site.insecureHttp();
        if (pollInterval == null && site.pollIntervalMs() > 0) {
            pollInterval = java.time.Duration.ofMillis(site.pollIntervalMs());
        }
        return this;
    }

    /** TLS that trusts the certificates of one PEM file (a utility's private CA), for the 3.x VTN. */
    static javax.net.ssl.SSLContext trusting(Path caPem) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(caPem)) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int k = 0;
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + k++, c);
            }
            if (k == 0) {
                throw new IllegalArgumentException("--tls-ca " + caPem + ": no PEM certificate in it");
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--tls-ca " + caPem + ": cannot read it: " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-ca " + caPem + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static Path pathOrNull(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }

    /**
     * The VEN's configuration, or null when not enabled.
     *
     * @throws IllegalArgumentException naming the option that is missing or wrong
     */
    public Ven3Config ven3(Path dataDir) {
        if (!enabled()) {
            return null;
        }
        if ("2.0b".equals(version)) {
            return null; // see ven2b()
        }
        OpenAdrVersion v;
        try {
            v = OpenAdrVersion.parse(version);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--openadr-version: expected 3.1, 3.0.1 or 2.0b, got '" + version + "'");
        }
        require(vtn, "--vtn");
        require(venName, "--ven-name");
        require(clientId, "--client-id");
        require(clientSecret, "--client-secret");
        Ven3Config.Builder b = Ven3Config.builder(v, vtn, venName, clientId, clientSecret, dataDir.resolve("ven.db"))
                .allowInsecureHttp(Boolean.TRUE.equals(insecureHttp));
        if (pollInterval != null) {
            b.pollInterval(pollInterval);
        }
        if (tlsCa != null) {
            if (!"https".equalsIgnoreCase(vtn.getScheme())) {
                throw new IllegalArgumentException("--tls-ca is for an HTTPS VTN; " + vtn + " is not one");
            }
            b.sslContext(trusting(tlsCa));
        }
        if (webhookUrl != null && webhookListen == null) {
            throw new IllegalArgumentException("--webhook-url needs --webhook-listen HOST:PORT (where to serve the callbacks)");
        }
        if (webhookListen != null) {
            int colon = webhookListen.lastIndexOf(':');
            int port;
            try {
                port = colon <= 0 ? -1 : Integer.parseInt(webhookListen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--webhook-listen: expected HOST:PORT with a port 1..65535, got '"
                        + webhookListen + "'");
            }
            String host = webhookListen.substring(0, colon);
            boolean tls = tlsCert != null && tlsKey != null;
            if (tls) {
                b.callbackTls(tlsCert, tlsKey);
            }
            b.webhook(true).callback(host, port, webhookUrl != null ? webhookUrl.toString()
                    : (tls ? "https" : "http") + "://" + host + ":" + port + io.headroom.grid.openadr3.WebhookServer.PATH);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vtn/--webhook-url: " + e.getMessage(), e);
        }
    }

    /**
     * The 2.0b VEN's configuration, or null unless {@code --openadr-version 2.0b}: mutual TLS with the client
     * certificate, key (PKCS#8 PEM) and the CA of the VTN.
     */
    public io.headroom.grid.openadr2b.Ven2bConfig ven2b(Path dataDir) {
        if (!"2.0b".equals(version)) {
            return null;
        }
        require(vtn, "--vtn");
        require(venName, "--ven-name");
        require(tlsCert, "--tls-cert");
        require(tlsKey, "--tls-key");
        require(tlsCa, "--tls-ca");
        try {
            io.headroom.grid.tls.TlsProfile profile;
            try {
                profile = io.headroom.grid.tls.TlsProfile.parse(tlsProfile);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tls-profile / openadr.tlsProfile: " + e.getMessage(), e);
            }
            var b = io.headroom.grid.openadr2b.Ven2bConfig.builder(vtn, venName, dataDir.resolve("ven2b.db"))
                    .tls(tlsCert, tlsKey, tlsCa)
                    .tlsProfile(profile)
                    .tlsKeyPassword(tlsKeyPassword == null ? null : tlsKeyPassword.toCharArray())
                    .allowInsecureHttp(Boolean.TRUE.equals(insecureHttp))
                    .xmlSignature(Boolean.TRUE.equals(xmlSignature));
            if (pollInterval != null) {
                b.pollInterval(pollInterval);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && (e.getMessage().startsWith("--tls-profile") || e.getMessage().contains("insecureHttp"))) {
                throw e;
            }
            throw new IllegalArgumentException("--tls-cert/--tls-key/--tls-ca: " + e.getMessage(), e);
        }
    }

    private void require(Object value, String option) {
        if (value == null) {
            throw new IllegalArgumentException("--openadr-version " + version + " needs " + option);
        }
    }
}
