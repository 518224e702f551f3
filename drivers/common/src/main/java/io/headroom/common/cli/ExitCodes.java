package io.headroom.common.cli;

import java.util.List;

/**
 * The one exit-code table of every Headroom command: {@code ./headroom} and its subcommands (the appliance's
 * {@code run}, {@code check-site}, {@code probe}, {@code token}, the operator CLI, {@code bench}, {@code study}, {@code perf}), the
 * launcher's own scripts ({@code image}, {@code image-test}, {@code package-test}, {@code fuzz}), and the packaged
 * programs {@code headroom-appliance}, {@code headroom-agent} and {@code headroom-update}. In headroom-common so that
 * the node agent (which does not depend on the appliance) shares it. The root README and {@code ./headroom --help}
 * print {@link #lines()}.
 */
public final class ExitCodes {

    private ExitCodes() {
    }

    /** Done; a scenario or a test held what it expects. */
    public static final int OK = 0;
    /** It ran and failed: a scenario FAILED, the API answered with an error, a test's checks did not hold. */
    public static final int FAILED = 1;
    /** Usage or invalid input: an unknown option, a bad value, a site file that does not validate. */
    public static final int USAGE = 2;
    /** The appliance (its API) cannot be reached; for {@code probe}, the device probed does not answer. */
    public static final int UNREACHABLE = 3;
    /**
     * It could not run: a scenario file that does not load, the bench failing at start, a build that fails, no JDK 25,
     * a missing prerequisite (root, a tool, an image).
     */
    public static final int COULD_NOT_RUN = 4;

    /** One row of the table. */
    public record Code(int code, String meaning) {
    }

    /** Every code and what it means, in order. */
    public static final List<Code> CODES = List.of(
            new Code(OK, "ok; a scenario or test PASSED"),
            new Code(FAILED, "failed: a scenario FAILED, the API answered with an error, checks did not hold"),
            new Code(USAGE, "usage or invalid input: unknown option, bad value, invalid site file"),
            new Code(UNREACHABLE, "the appliance cannot be reached (--url); probe: the device does not answer"),
            new Code(COULD_NOT_RUN, "could not run: bad scenario file, bench failed at start, build failed, "
                    + "no JDK 25, missing prerequisite"));

    /** The table as {@code --help} prints it, one line per code. */
    public static String[] lines() {
        return CODES.stream().map(c -> String.format(java.util.Locale.ROOT, "  %d  %s", c.code(), c.meaning()))
                .toArray(String[]::new);
    }
}
