package io.headroom.image.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Anti-rollback: a bundle whose version is older than the installed {@code headroom-appliance} package (dpkg's own
 * record, on the read-only root, which the appliance's user cannot write) is refused, unless the operator forces
 * it and says why; a forced downgrade is written to the update history with who and why ({@link UpdateHistory}).
 * An old bundle is a validly signed one with known bugs: replaying it must take a person, not a file.
 */
public final class Rollback {

    private Rollback() {
    }

    /** What an install is, against what is installed. */
    public enum Verdict {
        /** Nothing is installed yet. */
        FIRST_INSTALL,
        UPGRADE,
        /** The installed version again (a repair). */
        REINSTALL,
        /** Older than the installed version, forced by an operator with a reason. */
        FORCED_DOWNGRADE
    }

    /** An operator's permission to install an older bundle: who and why (both journaled). */
    public record Force(String by, String reason) {
        public Force {
            if (by == null || by.isBlank()) {
                throw new IllegalArgumentException("a forced downgrade needs to say who forces it");
            }
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a forced downgrade needs a reason (--reason)");
            }
        }
    }

    /**
     * Decides whether {@code offered} may replace {@code installed} (null: nothing installed).
     *
     * @param force null unless the operator forces a downgrade
     * @throws BundleException when it is older and not forced, or a version cannot be read
     */
    public static Verdict check(String bundle, String offered, String installed, Force force) throws BundleException {
        DebianVersion o;
        try {
            o = DebianVersion.parse(offered);
        } catch (IllegalArgumentException e) {
            throw new BundleException("update bundle " + bundle + ": " + e.getMessage() + "; refusing to install");
        }
        if (installed == null) {
            return Verdict.FIRST_INSTALL;
        }
        DebianVersion i;
        try {
            i = DebianVersion.parse(installed);
        } catch (IllegalArgumentException e) {
            if (force != null) {
                return Verdict.FORCED_DOWNGRADE;
            }
            throw new BundleException("update bundle " + bundle + ": the installed " + e.getMessage()
                    + ", so it cannot be told whether " + offered + " is older; refusing to install (--force-downgrade"
                    + " --reason WHY installs it anyway)");
        }
        int c = o.compareTo(i);
        if (c > 0) {
            return Verdict.UPGRADE;
        }
        if (c == 0) {
            return Verdict.REINSTALL;
        }
        if (force == null) {
            throw new BundleException("update bundle " + bundle + ": version " + offered + " is older than the installed "
                    + installed + " (ROLLBACK); refusing to install (--force-downgrade --reason WHY installs it anyway,"
                    + " and is recorded)");
        }
        return Verdict.FORCED_DOWNGRADE;
    }

    /**
     * The installed version of {@code pkg} as dpkg knows it, or null when it is not installed.
     *
     * @param dpkgQuery the {@code dpkg-query} program
     * @throws BundleException when dpkg cannot be asked
     */
    public static String installedVersion(String dpkgQuery, String pkg) throws BundleException {
        List<String> cmd = List.of(dpkgQuery, "-W", "-f=${Status}\t${Version}\n", pkg);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            p.getErrorStream().readNBytes(4096);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BundleException(dpkgQuery + " did not answer within 30 s; cannot tell the installed version");
            }
            if (p.exitValue() != 0) {
                return null; // dpkg-query -W: 1 when no such package is known
            }
            String[] f = out.split("\t", 2);
            return f.length == 2 && f[0].endsWith(" installed") && !f[1].isBlank() ? f[1].strip() : null;
        } catch (IOException e) {
            throw new BundleException("cannot run " + dpkgQuery + " to tell the installed version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BundleException("interrupted while asking " + dpkgQuery + " for the installed version", e);
        }
    }
}
