package io.headroom.hil.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM options the packaged appliance runs with, read from where the package takes them, so that a benchmark
 * measures what ships: the launcher's own options ({@code image-build/src/files/appliance/headroom-appliance}, the
 * words between {@code ${HEADROOM_JAVA_OPTS:-}} and {@code -cp} on its {@code exec} line) and
 * {@code HEADROOM_JAVA_OPTS} from the service's default file ({@code headroom-appliance.default}, installed as
 * {@code /etc/default/headroom-appliance}, which the systemd unit reads).
 *
 * @param launcher the launcher's fixed options (native access, IPv4)
 * @param javaOpts {@code HEADROOM_JAVA_OPTS}: collector, heap, class-data archive
 */
public record ProductionFlags(List<String> launcher, List<String> javaOpts) {

    /** Where the package keeps its state ({@code StateDirectory=headroom}); files there are per benchmark run. */
    public static final String STATE_DIR = "/var/lib/headroom";

    static final String LAUNCHER = "image-build/src/files/appliance/headroom-appliance";
    static final String DEFAULTS = "image-build/src/files/appliance/headroom-appliance.default";

    private static final Pattern OPTS = Pattern.compile("^HEADROOM_JAVA_OPTS=\"([^\"]*)\"\\s*$");

    public ProductionFlags {
        launcher = List.copyOf(launcher);
        javaOpts = List.copyOf(javaOpts);
    }

    /** Reads both files under the checkout at {@code home}; says which file and what is missing otherwise. */
    public static ProductionFlags read(Path home) throws IOException {
        return parse(Files.readString(home.resolve(LAUNCHER), StandardCharsets.UTF_8),
                Files.readString(home.resolve(DEFAULTS), StandardCharsets.UTF_8));
    }

    static ProductionFlags parse(String launcherScript, String defaultFile) {
        List<String> opts = null;
        for (String line : defaultFile.split("\n")) {
            Matcher m = OPTS.matcher(line.strip());
            if (m.matches()) {
                opts = words(m.group(1));
            }
        }
        if (opts == null) {
            throw new IllegalArgumentException(DEFAULTS + ": no HEADROOM_JAVA_OPTS=\"...\" line");
        }
        String exec = launcherScript.replace("\\\n", " ");
        List<String> launcher = null;
        for (String line : exec.split("\n")) {
            List<String> w = words(line);
            int from = w.indexOf("${HEADROOM_JAVA_OPTS:-}");
            int to = w.indexOf("-cp");
            if (!w.isEmpty() && w.getFirst().equals("exec") && from > 0 && to > from) {
                launcher = w.subList(from + 1, to);
            }
        }
        if (launcher == null) {
            throw new IllegalArgumentException(LAUNCHER + ": no exec line with ${HEADROOM_JAVA_OPTS:-} ... -cp");
        }
        return new ProductionFlags(launcher, opts);
    }

    /** The whole option list: the launcher's, then {@code javaOpts}, with the state directory moved to {@code state}. */
    public List<String> options(List<String> javaOpts, Path state) {
        List<String> all = new ArrayList<>(launcher);
        for (String o : javaOpts) {
            all.add(o.replace(STATE_DIR, state.toString()));
        }
        return all;
    }

    /** Blank-separated words (the default file's value has no quoting inside). */
    static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        for (String t : s.strip().split("\\s+")) {
            if (!t.isEmpty()) {
                w.add(t);
            }
        }
        return w;
    }
}
