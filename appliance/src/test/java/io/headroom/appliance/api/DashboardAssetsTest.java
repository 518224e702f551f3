package io.headroom.appliance.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's vendored uPlot is the one scripts/vendor-uplot.sh took from npm (the sha256 it recorded), it is
 * in the jar's resources, and the page loads it from the appliance itself, never from a CDN.
 */
class DashboardAssetsTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DashboardAssetsTest.class.getResourceAsStream("/io/headroom/appliance/dashboard/" + name)) {
            assertThat(in).as("resource %s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void theVendoredFilesAreTheOnesRecorded() throws IOException, NoSuchAlgorithmException {
        Map<String, String> recorded = new LinkedHashMap<>();
        for (String line : new String(resource("vendor/uPlot.sha256"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                String[] f = line.trim().split("\\s+");
                recorded.put(f[1], f[0]);
            }
        }
        assertThat(recorded).containsOnlyKeys("uPlot.iife.min.js", "uPlot.min.css");
        for (Map.Entry<String, String> e : recorded.entrySet()) {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(resource("vendor/" + e.getKey())));
            assertThat(sha).as("%s as vendored", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(new String(resource("vendor/uPlot.version"), StandardCharsets.UTF_8)).startsWith("uplot 1.6.32 sha512-");
        assertThat(new String(resource("vendor/uPlot.LICENSE"), StandardCharsets.UTF_8)).contains("MIT");
    }

    @Test
    void thePageLoadsItsScriptsFromTheApplianceOnly() throws IOException {
        String page = new String(resource("index.html"), StandardCharsets.UTF_8);
        assertThat(page).contains("<script src=\"/vendor/uPlot.iife.min.js\"></script>")
                .contains("href=\"/vendor/uPlot.min.css\"")
                .doesNotContainPattern("(?i)<(script|link)[^>]+(src|href)=\"(https?:)?//");
    }
}
