package io.headroom.appliance.site;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The suggestion for an unknown reference to an id that each referrer needs its own of (a feed's meter): among the
 * known ids equally close to the typo, the ones nothing else uses come first, so {@code meter-X} suggests the unused
 * {@code meter-C}, not {@code meter-A} that feed A already measures with.
 */
final class UnusedIdSuggestion {

    private UnusedIdSuggestion() {
    }

    /** {@code unknown <what> 'x'; did you mean 'y'?}, preferring an id not in {@code used} among the nearest. */
    static String unknown(String what, String name, Collection<String> known, Collection<String> used) {
        List<String> ordered = new ArrayList<>(known.size());
        known.stream().filter(k -> !used.contains(k)).forEach(ordered::add);
        known.stream().filter(used::contains).forEach(ordered::add);
        // SiteYaml.closest keeps the first of equally close candidates: the unused ones are first
        String near = SiteYaml.closest(name, ordered);
        if (near != null) {
            return "unknown " + what + " '" + name + "'; did you mean '" + near + "'?";
        }
        return SiteYaml.unknown(what, name, known);
    }
}
