package io.headroom.image.update;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Anti-rollback: a bundle older than the installed package is refused unless forced with a reason, and every
 * attempt is in the update history with who and why. {@code headroom-update install} runs against stand-in
 * {@code dpkg-query} and {@code dpkg} programs (shell scripts) that say what is installed and record what they were
 * asked to install.
 */
class RollbackTest {

    static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    KeyPair release;
    Path keys;
    Path history;
    Path dpkgCalls;

    @BeforeEach
    void keys() throws Exception {
        release = SigningKeys.generate();
        keys = Files.createDirectories(dir.resolve("update-keys"));
        SigningKeys.writePublic(keys.resolve("release.pub"), release.getPublic());
        history = dir.resolve("state/update-history.jsonl");
        dpkgCalls = dir.resolve("dpkg-calls");
    }

    Path bundle(String version) throws Exception {
        Path deb = Files.write(dir.resolve("headroom-appliance_" + version + "_amd64.deb"),
                ("appliance " + version).getBytes(StandardCharsets.UTF_8));
        Path b = dir.resolve("headroom-update_" + version + "_amd64.hrb");
        UpdateBundle.write(b, release.getPrivate(), release.getPublic(), version, "amd64", CREATED, List.of(deb));
        return b;
    }

    /** A dpkg-query that says {@code installed} is installed (null: not installed). */
    Path dpkgQuery(String installed) throws Exception {
        return script("dpkg-query", installed == null ? "exit 1\n"
                : "printf 'install ok installed\\t%s\\n' '" + installed + "'\n");
    }

    Path dpkg() throws Exception {
        return script("dpkg", "echo \"$@\" >> '" + dpkgCalls + "'\n");
    }

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    record Run(int rc, String out, String err) {
    }

    Run install(String installed, Path bundle, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("install", "--trusted", keys.toString(), "--history", history.toString(),
                "--dpkg", dpkg().toString(), "--dpkg-query", dpkgQuery(installed).toString(), "--by", "alice"));
        args.addAll(List.of(extra));
        args.add(bundle.toString());
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int rc = UpdateCli.commandLine().execute(args.toArray(String[]::new));
            return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    List<String> history() throws Exception {
        return Files.exists(history) ? Files.readAllLines(history) : List.of();
    }

    @Test
    void anOlderBundleIsRefusedAndNothingIsInstalled() throws Exception {
        Run r = install("0.2.0", bundle("0.1.0"));
        assertThat(r.rc()).isEqualTo(UpdateCli.EXIT_REFUSED);
        assertThat(r.err()).contains("version 0.1.0 is older than the installed 0.2.0 (ROLLBACK); refusing to install")
                .contains("--force-downgrade --reason WHY");
        assertThat(dpkgCalls).as("dpkg was never run").doesNotExist();
        assertThat(history()).singleElement().satisfies(l -> assertThat(l).contains("\"outcome\":\"refused\"")
                .contains("\"version\":\"0.1.0\"").contains("\"installed\":\"0.2.0\"").contains("\"by\":\"alice\"")
                .contains("ROLLBACK"));
    }

    @Test
    void aForcedDowngradeNeedsAReasonAndIsRecordedWithWhoAndWhyBeforeDpkgRuns() throws Exception {
        Path old = bundle("0.1.0");
        Run noReason = install("0.2.0", old, "--force-downgrade");
        assertThat(noReason.rc()).isEqualTo(2);
        assertThat(noReason.err()).contains("--force-downgrade needs --reason");
        assertThat(dpkgCalls).doesNotExist();

        Run forced = install("0.2.0", old, "--force-downgrade", "--reason", "0.2.0 breaks the PM5300 map on site 7");
        assertThat(forced.rc()).as(forced.err()).isZero();
        assertThat(forced.err()).contains("FORCED DOWNGRADE from 0.2.0 to 0.1.0 by alice: 0.2.0 breaks the PM5300 map");
        assertThat(Files.readString(dpkgCalls)).startsWith("-i ").contains("headroom-appliance_0.1.0_amd64.deb");
        assertThat(history()).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"outcome\":\"forced-downgrade\"")
                .contains("\"by\":\"alice\"").contains("\"reason\":\"0.2.0 breaks the PM5300 map on site 7\"")
                .contains("\"installed\":\"0.2.0\"").contains("\"version\":\"0.1.0\""));
        assertThat(history().getFirst()).as("recorded before dpkg ran").contains("dpkg -i starts");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {"none, 0.1.0, first_install", "0.1.0, 0.1.1, upgrade", "0.9.0, 0.10.0, upgrade",
            "0.1.0~rc1, 0.1.0, upgrade", "0.1.0, 0.1.0, reinstall"})
    void newerOrEqualBundlesInstallWithoutForce(String installed, String offered, String verdict) throws Exception {
        Run r = install(installed, bundle(offered));
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(dpkgCalls).exists();
        assertThat(history()).singleElement().satisfies(l -> assertThat(l).contains("\"outcome\":\"installed\"")
                .contains("\"detail\":\"" + verdict + "\""));
    }

    @Test
    void theOrderIsDpkgsOwn() throws Exception {
        assertThat(Rollback.check("b", "0.10.0", "0.9.0", null)).isEqualTo(Rollback.Verdict.UPGRADE);
        assertThatThrownBy(() -> Rollback.check("b", "0.1.0+hotfix", "0.1.1~rc1", null)).hasMessageContaining("ROLLBACK");
        assertThat(Rollback.check("b", "0.1.0", "0.1.0", null)).isEqualTo(Rollback.Verdict.REINSTALL);
        assertThat(Rollback.check("b", "0.1.0", "0.2.0", new Rollback.Force("bob", "x"))).isEqualTo(Rollback.Verdict.FORCED_DOWNGRADE);
        assertThat(Rollback.check("b", "0.1.0", null, null)).isEqualTo(Rollback.Verdict.FIRST_INSTALL);
    }

    @ParameterizedTest
    @CsvSource({"1.0~rc1, 1.0, -1", "1.0, 1.0+b1, -1", "1.0, 1.0a, -1", "1:0.1, 2.0, 1", "0.1.0, 0.10.0, -1",
            "0.1.0-1, 0.1.0-2, -1", "1.0~, 1.0, -1", "1.0~~, 1.0~, -1", "1.0-0, 1.0, 0", "01.2, 1.02, 0", "2.0-1~bpo1, 2.0-1, -1",
            "1.0+a, 1.0.a, -1", "7.6p2-4, 7.6-0, 1"})
    void knownOrderings(String a, String b, int sign) {
        assertThat(Integer.signum(DebianVersion.parse(a).compareTo(DebianVersion.parse(b)))).as("%s vs %s", a, b).isEqualTo(sign);
        assertThat(Integer.signum(DebianVersion.parse(b).compareTo(DebianVersion.parse(a)))).isEqualTo(-sign);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void seededVersionsCompareAsDpkgCompareVersionsDoes(long seed) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "no dpkg here to compare with");
        Random random = new Random(seed);
        String alphabet = "0123456789.~+ab";
        for (int k = 0; k < 40; k++) {
            String a = version(random, alphabet);
            String b = version(random, alphabet);
            int ours = Integer.signum(DebianVersion.parse(a).compareTo(DebianVersion.parse(b)));
            Process p = new ProcessBuilder("/usr/bin/dpkg", "--compare-versions", a, "lt", b).start();
            boolean lt = p.waitFor() == 0;
            Process q = new ProcessBuilder("/usr/bin/dpkg", "--compare-versions", a, "eq", b).start();
            boolean eq = q.waitFor() == 0;
            assertThat(ours).as("%s vs %s", a, b).isEqualTo(lt ? -1 : eq ? 0 : 1);
        }
    }

    static String version(Random r, String alphabet) {
        StringBuilder s = new StringBuilder();
        if (r.nextInt(8) == 0) {
            s.append(r.nextInt(3)).append(':');
        }
        s.append(r.nextInt(12));
        for (int i = r.nextInt(6); i > 0; i--) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        if (r.nextBoolean()) {
            s.append('-').append(r.nextInt(4));
            for (int i = r.nextInt(3); i > 0; i--) {
                s.append(alphabet.charAt(10 + r.nextInt(alphabet.length() - 10)));
            }
        }
        return s.toString();
    }
}
