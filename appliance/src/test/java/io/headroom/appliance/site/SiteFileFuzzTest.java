package io.headroom.appliance.site;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the site-file loader: any text either loads or is refused with
 * {@link SiteValidationException}s that each name the file and a line (never another exception, never a hang on
 * YAML aliases). Seeds: the example sites and a few broken ones, in
 * {@code src/test/resources/io/headroom/appliance/site/SiteFileFuzzTestInputs/siteFile/}; {@code ./headroom fuzz
 * site-file --for 10m} fuzzes for real.
 */
class SiteFileFuzzTest {

    /** Relative key and certificate paths resolve here: a folder with none of them. */
    private static final Path BASE = Path.of("target", "site-fuzz").toAbsolutePath();

    @FuzzTest
    void siteFile(byte[] text) {
        String yaml = new String(text, StandardCharsets.UTF_8);
        try {
            Site site = SiteLoader.parse("fuzz.yaml", yaml, BASE);
            assertThat(site.feeds()).as("a loaded site has feeds").isNotEmpty();
        } catch (SiteValidationException e) {
            assertThat(e.errors()).as("a refused site says why").isNotEmpty();
            assertThat(e.errors()).allSatisfy(err -> assertThat(err.toString()).startsWith("fuzz.yaml"));
        }
    }
}
