package io.headroom.image.update;

import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code headroom-update}: make keys, sign bundles (build side), verify and install them (appliance side). Its exit
 * codes are the project's ({@link ExitCodes}), and an unknown option or subcommand gets the nearest real one
 * ({@link OptionSuggester}).
 */
@Command(name = "headroom-update", mixinStandardHelpOptions = true,
        description = "Signed update bundles (packages + manifest, Ed25519).",
        subcommands = {UpdateCli.Keygen.class, UpdateCli.Sign.class, UpdateCli.Verify.class, UpdateCli.Install.class})
public final class UpdateCli implements Runnable {

    /**
     * A bundle that is refused (a signature, a hash, a size or its version does not hold) or whose {@code dpkg -i}
     * fails: it ran and failed. Was 5 (refused) and 6 (dpkg) before the codes were shared.
     */
    public static final int EXIT_REFUSED = ExitCodes.FAILED;
    static final Path DEFAULT_KEYS = Path.of("/etc/headroom/update-keys");

    /** The exit codes as each command's {@code --help} lists them. */
    static final java.util.Map<String, String> EXIT_CODES = java.util.Map.of(
            "0", "done: keys written, bundle signed, verified OK or installed",
            "1", "refused: the bundle's signature, contents or version do not hold; or dpkg -i failed",
            "2", "usage or invalid input: unknown option, bad value, packages that cannot be bundled",
            "4", "could not run: an I/O error (a key or file that cannot be read or written, dpkg missing)");

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@code headroom-update} as it runs: the nearest-option suggester and the shared exit codes on every subcommand. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new UpdateCli());
        java.util.Map<String, String> codes = new java.util.TreeMap<>(EXIT_CODES);
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        cl.getSubcommands().values().forEach(sub ->
                sub.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes));
        return OptionSuggester.install(cl);
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true, description = "Write an Ed25519 key pair: NAME.key (private, 0600) and NAME.pub.")
    static final class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "e.g. keys/release writes keys/release.key and keys/release.pub")
        Path prefix;

        @Override
        public Integer call() throws IOException {
            KeyPair kp = SigningKeys.generate();
            if (prefix.toAbsolutePath().getParent() != null) {
                Files.createDirectories(prefix.toAbsolutePath().getParent());
            }
            SigningKeys.writePrivate(Path.of(prefix + ".key"), kp.getPrivate());
            SigningKeys.writePublic(Path.of(prefix + ".pub"), kp.getPublic());
            System.out.println("key " + SigningKeys.keyId(kp.getPublic()) + ": " + prefix + ".key, " + prefix + ".pub");
            return ExitCodes.OK;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true, description = "Bundle and sign packages.")
    static final class Sign implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "private key (PEM)") Path key;
        @Option(names = "--pub", required = true, description = "its public key (PEM), to name it in the signature") Path pub;
        @Option(names = "--version", required = true) String version;
        @Option(names = "--arch", required = true) String arch;
        @Option(names = "--out", required = true) Path out;
        @Parameters(paramLabel = "DEB", arity = "1..*") List<Path> debs;

        @Override
        public Integer call() throws Exception {
            String epoch = System.getenv("SOURCE_DATE_EPOCH");
            Instant created = epoch == null ? Instant.now().with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0)
                    : Instant.ofEpochSecond(Long.parseLong(epoch));
            try {
                Manifest m = UpdateBundle.write(out, SigningKeys.readPrivate(key), SigningKeys.readPublic(pub), version, arch,
                        created, debs);
                System.out.println(out + ": " + m.files().size() + " packages, signed by " + SigningKeys.keyId(SigningKeys.readPublic(pub)));
                return ExitCodes.OK;
            } catch (BundleException e) {
                System.err.println("sign: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check a bundle's signature and contents.")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--trusted", defaultValue = "/etc/headroom/update-keys", description = "folder of trusted *.pub keys (default ${DEFAULT-VALUE})")
        Path trusted;
        @Parameters(paramLabel = "BUNDLE") Path bundle;

        @Override
        public Integer call() throws IOException {
            try {
                Manifest m = UpdateBundle.verify(bundle, UpdateBundle.trustedKeys(trusted));
                System.out.println(bundle + ": OK, version " + m.version() + " (" + m.architecture() + "), "
                        + m.files().size() + " packages");
                return ExitCodes.OK;
            } catch (BundleException e) {
                System.err.println(e.getMessage());
                return EXIT_REFUSED;
            }
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Verify a bundle, then install its packages with dpkg -i (needs root and a writable root file system).",
                    "A bundle older than the installed headroom-appliance is refused unless --force-downgrade --reason WHY;",
                    "every attempt is appended to the update history with who and why."})
    static final class Install implements Callable<Integer> {
        @Option(names = "--trusted", defaultValue = "/etc/headroom/update-keys", description = "default ${DEFAULT-VALUE}")
        Path trusted;
        @Option(names = "--force-downgrade", description = "install even if the bundle is older than what is installed (needs --reason)")
        boolean forceDowngrade;
        @Option(names = "--reason", paramLabel = "WHY", description = "why a downgrade is forced (recorded with your name)")
        String reason;
        @Option(names = "--by", paramLabel = "NAME", description = "who installs (default: $SUDO_USER, else $LOGNAME)")
        String by;
        @Option(names = "--history", defaultValue = "/var/lib/headroom/update-history.jsonl", paramLabel = "FILE",
                description = "the update history (default ${DEFAULT-VALUE})")
        Path history;
        @Option(names = "--dpkg", defaultValue = "dpkg", hidden = true) String dpkg;
        @Option(names = "--dpkg-query", defaultValue = "dpkg-query", hidden = true) String dpkgQuery;
        @Option(names = "--package", defaultValue = "headroom-appliance", hidden = true,
                description = "the installed package whose version a bundle must not go below")
        String installedPackage;
        @Parameters(paramLabel = "BUNDLE") Path bundle;

        @Override
        public Integer call() throws IOException, InterruptedException {
            String who = by != null && !by.isBlank() ? by.strip() : UpdateHistory.whoRuns();
            Rollback.Force force = null;
            if (forceDowngrade) {
                if (reason == null || reason.isBlank()) {
                    System.err.println("install: --force-downgrade needs --reason WHY (it is recorded with your name)");
                    return ExitCodes.USAGE;
                }
                force = new Rollback.Force(who, reason.strip());
            } else if (reason != null) {
                System.err.println("install: --reason goes with --force-downgrade");
                return ExitCodes.USAGE;
            }
            String name = bundle.getFileName().toString();
            String installed = null;
            Rollback.Verdict[] verdict = {null};
            String[] offered = {null};
            Path dir = Files.createTempDirectory("headroom-update");
            try {
                List<PublicKey> keys = UpdateBundle.trustedKeys(trusted);
                installed = Rollback.installedVersion(dpkgQuery, installedPackage);
                String before = installed;
                Rollback.Force f = force;
                List<Path> debs = UpdateBundle.verifyAndExtract(bundle, keys, dir, m -> {
                    offered[0] = m.version();
                    verdict[0] = Rollback.check(name, m.version(), before, f);
                });
                if (verdict[0] == Rollback.Verdict.FORCED_DOWNGRADE) {
                    // recorded before anything changes: a downgrade that then fails is still on record, and one
                    // that cannot be recorded does not happen
                    try {
                        UpdateHistory.append(history, new UpdateHistory.Line(Instant.now(), "forced-downgrade", name,
                                offered[0], installed, who, force.reason(), "dpkg -i starts"));
                    } catch (IOException e) {
                        throw new BundleException("update bundle " + name + ": the forced downgrade cannot be recorded in "
                                + history + " (" + e.getMessage() + "); refusing to install");
                    }
                    System.err.println("install: FORCED DOWNGRADE from " + installed + " to " + offered[0] + " by " + who
                            + ": " + force.reason() + " (recorded in " + history + ")");
                }
                List<String> cmd = new ArrayList<>(List.of(dpkg, "-i"));
                debs.forEach(d -> cmd.add(d.toString()));
                int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
                if (rc != 0) {
                    record(new UpdateHistory.Line(Instant.now(), "dpkg-failed", name, offered[0],
                            installed, who, force == null ? null : force.reason(), "dpkg -i exit " + rc));
                    System.err.println("install: dpkg -i failed (exit " + rc + ")");
                    return ExitCodes.FAILED;
                }
                record(new UpdateHistory.Line(Instant.now(),
                        verdict[0] == Rollback.Verdict.FORCED_DOWNGRADE ? "forced-downgrade" : "installed", name, offered[0],
                        installed, who, force == null ? null : force.reason(), verdict[0].name().toLowerCase(java.util.Locale.ROOT)));
                System.out.println(bundle + ": installed " + debs.size() + " packages, version " + offered[0]
                        + (installed == null ? "" : " (was " + installed + ")"));
                return ExitCodes.OK;
            } catch (BundleException e) {
                System.err.println(e.getMessage());
                record(new UpdateHistory.Line(Instant.now(), "refused", name, offered[0], installed,
                        who, force == null ? null : force.reason(), e.getMessage()));
                return EXIT_REFUSED;
            } finally {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }

        /** Appends to the history; a history that cannot be written is said, never the reason to fail an install. */
        private void record(UpdateHistory.Line line) {
            try {
                UpdateHistory.append(history, line);
            } catch (IOException e) {
                System.err.println("install: cannot append to the update history " + history + ": " + e.getMessage());
            }
        }
    }
}
