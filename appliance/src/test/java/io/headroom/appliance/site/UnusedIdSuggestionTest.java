package io.headroom.appliance.site;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** An unknown meter reference suggests the nearest meter no other feed uses. */
class UnusedIdSuggestionTest {

    @Test
    void anUnknownMeterSuggestsTheUnusedOneAmongTheEquallyNear(@TempDir Path dir) throws Exception {
        String example = Files.readString(Path.of("../sites/example-4feed.yaml"));
        assertThat(example).contains("    meter: meter-C\n");
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, example.replace("    meter: meter-C\n", "    meter: meter-X\n"));
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class, () -> SiteLoader.load(file));
        assertThat(e).isNotNull();
        assertThat(e.errors()).extracting(SiteError::reason)
                .anySatisfy(r -> assertThat(r).isEqualTo("unknown meter 'meter-X'; did you mean 'meter-C'?"));
    }

    @Test
    void unusedComesFirstOnlyAmongTheEquallyNear() {
        List<String> known = List.of("meter-A", "meter-B", "meter-C", "main-meter");
        assertThat(UnusedIdSuggestion.unknown("meter", "meter-X", known, List.of("meter-A", "meter-B")))
                .endsWith("did you mean 'meter-C'?");
        // a nearer used id still wins: meter-B is one edit from meter-b, meter-C is further
        assertThat(UnusedIdSuggestion.unknown("meter", "meter-b", known, List.of("meter-B")))
                .endsWith("did you mean 'meter-B'?");
        assertThat(UnusedIdSuggestion.unknown("meter", "zzz", known, List.of()))
                .startsWith("unknown meter 'zzz'; known: ");
    }
}
