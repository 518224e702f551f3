package io.headroom.appliance.cli;

import io.headroom.appliance.site.OpenAdrSettings;
import io.headroom.grid.openadr3.Ven3Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Enrollment options: the command line overrides the site file field by field; webhooks and a private CA for 3.x. */
class OpenAdrOptionsTest {

    static final OpenAdrSettings SITE = new OpenAdrSettings(true, "3.1", "https://vtn.utility.example/openadr3/",
            "hall-1", "site-client", "site-secret", "", "", "", 30_000);

    @Test
    void theCommandLineOverridesTheSiteFileFieldByField(@TempDir Path data) {
        OpenAdrOptions o = new OpenAdrOptions();
        o.clientSecret = "rotated-secret";
        o.venName = "hall-1-bench";
        Ven3Config c = o.withSiteDefaults(SITE).ven3(data);
        assertThat(c.vtnUrl()).isEqualTo(URI.create("https://vtn.utility.example/openadr3/"));
        assertThat(c.clientId()).as("from the site file").isEqualTo("site-client");
        assertThat(c.clientSecret()).as("from the command line").isEqualTo("rotated-secret");
        assertThat(c.venName()).isEqualTo("hall-1-bench");
        assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.webhook()).as("polling only, unless asked").isFalse();
        assertThat(c.sslContext()).isNull();
    }

    @Test
    void aWebhookListenerSubscribesWithItsCallbackUrl(@TempDir Path data) {
        OpenAdrOptions o = new OpenAdrOptions();
        o.webhookListen = "0.0.0.0:8443";
        o.webhookUrl = URI.create("https://hall-1.site.example:8443/");
        o.tlsCert = data.resolve("callback.crt");
        o.tlsKey = data.resolve("callback.key");
        Ven3Config c = o.withSiteDefaults(SITE).ven3(data);
        assertThat(c.webhook()).isTrue();
        assertThat(c.callbackTls()).as("the callback is HTTPS, with --tls-cert/--tls-key").isTrue();
        assertThat(c.callbackHost()).isEqualTo("0.0.0.0");
        assertThat(c.callbackPort()).isEqualTo(8443);
        assertThat(c.callbackPublicUrl()).isEqualTo("https://hall-1.site.example:8443/");

        OpenAdrOptions local = new OpenAdrOptions();
        local.webhookListen = "127.0.0.1:9001";
        local.tlsCert = data.resolve("callback.crt");
        local.tlsKey = data.resolve("callback.key");
        assertThat(local.withSiteDefaults(SITE).ven3(data).callbackPublicUrl()).isEqualTo("https://127.0.0.1:9001/openadr3/callback");
        // plain HTTP callbacks and VTNs only when said explicitly, and the refusal names the flag
        OpenAdrOptions plain = new OpenAdrOptions();
        plain.webhookListen = "127.0.0.1:9001";
        assertThatThrownBy(() -> plain.withSiteDefaults(SITE).ven3(data)).hasMessageContaining("--openadr-insecure-http");
        plain.insecureHttp = true;
        assertThat(plain.ven3(data).callbackPublicUrl()).isEqualTo("http://127.0.0.1:9001/openadr3/callback");
        OpenAdrOptions httpVtn = new OpenAdrOptions();
        httpVtn.vtn = URI.create("http://vtn.utility.example/openadr3");
        assertThatThrownBy(() -> httpVtn.withSiteDefaults(SITE).ven3(data)).hasMessageContaining("is not https://")
                .hasMessageContaining("--openadr-insecure-http");

        for (String bad : new String[]{"8443", "host:", "host:0", "host:70000", "host:web"}) {
            OpenAdrOptions x = new OpenAdrOptions();
            x.webhookListen = bad;
            assertThatThrownBy(() -> x.withSiteDefaults(SITE).ven3(data)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--webhook-listen").hasMessageContaining(bad);
        }
        OpenAdrOptions urlOnly = new OpenAdrOptions();
        urlOnly.webhookUrl = URI.create("https://x/");
        assertThatThrownBy(() -> urlOnly.withSiteDefaults(SITE).ven3(data)).hasMessageContaining("needs --webhook-listen");
    }

    @Test
    void aPrivateCaIsTrustedForAnHttpsVtnAndRefusedWhenItIsNoCertificate(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("ca.p12");
        Path pem = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        assertThat(new ProcessBuilder(keytool, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=utility test CA",
                "-keystore", ks.toString(), "-storepass", "changeit", "-validity", "2").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor()).isZero();
        assertThat(new ProcessBuilder(keytool, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ks.toString(),
                "-storepass", "changeit", "-file", pem.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor()).isZero();
        OpenAdrOptions o = new OpenAdrOptions();
        o.tlsCa = pem;
        Ven3Config c = o.withSiteDefaults(SITE).ven3(dir);
        assertThat(c.sslContext()).isNotNull();
        assertThat(c.sslContext().getProtocol()).isEqualTo("TLS");

        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        OpenAdrOptions bad = new OpenAdrOptions();
        bad.tlsCa = junk;
        assertThatThrownBy(() -> bad.withSiteDefaults(SITE).ven3(dir)).hasMessageContaining("--tls-ca").hasMessageContaining("junk.pem");

        OpenAdrOptions plain = new OpenAdrOptions();
        plain.tlsCa = pem;
        plain.vtn = URI.create("http://vtn.local/");
        assertThatThrownBy(() -> plain.withSiteDefaults(SITE).ven3(dir)).hasMessageContaining("is for an HTTPS VTN");
    }
}
