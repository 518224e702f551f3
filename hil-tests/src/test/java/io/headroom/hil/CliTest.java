package io.headroom.hil;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Cli.commandLine(); // as ./headroom runs it
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void virtualTimePlaysAScenarioAndOnlyOneTheHallCanPlay(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Result none = run("bench", "--virtual-time", "--site", "../sites/example-4feed.yaml", "--data", dir.toString());
        assertThat(none.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(none.err()).contains("--virtual-time plays a scenario: give --scenario FILE");
        Result crash = run("bench", "--virtual-time", "--site", "../sites/example-4feed.yaml", "--data", dir.toString(),
                "--scenario", "scenarios/short/agent-crash-then-feed-loss.yaml");
        assertThat(crash.exit()).as(crash.err()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(crash.err()).contains("cannot run in virtual time", "r8-n1", "leave out --virtual-time");
        Result ignored = run("bench", "--virtual-time", "--site", "../sites/example-4feed.yaml", "--data", dir.toString(),
                "--scenario", "scenarios/short/feed-loss-at-full-load.yaml", "--plant-step", "5", "--workload", "calibrated");
        assertThat(ignored.exit()).as(ignored.err()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(ignored.err()).contains("not with --virtual-time", "--plant-step", "--workload");
    }

    @Test
    void theBenchVtnIsASubcommandWithItsOwnHelp() {
        Result top = run("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).containsPattern("(?m)^\\s+vtn\\s+Run a bench VTN");
        Result vtn = run("vtn", "--help");
        assertThat(vtn.exit()).isZero();
        assertThat(vtn.out()).contains("Usage: headroom vtn", "--openadr-version", "3.1, 3.0.1 or 2.0b");
        Result missing = run("vtn");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option: '--openadr-version=VERSION'");
    }

    @Test
    void checkSitePrintsTheN1PlanOfTheExample() {
        Result r = run("check-site", "../sites/example-4feed.yaml");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Site example-4feed: 4 feeds, 1 redundancy group, 8 racks, 64 nodes, 512 GPUs")
                .contains("lose A", "lose B", "lose C", "lose D")
                .contains("safe cap of")
                .doesNotContain("NO SAFE PLAN");
    }

    @Test
    void checkSiteListsEveryErrorOfABrokenFileWithLinesAndFailsNonZero() {
        Result r = run("check-site", "../appliance/src/test/resources/sites/broken-4feed.yaml");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).containsPattern("broken-4feed.yaml:\\d+:\\d+: ");
        assertThat(r.err().lines().filter(l -> l.startsWith("  ")).count()).isGreaterThanOrEqualTo(3);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aMissingSiteFileIsAClearError() {
        Result r = run("check-site", "no-such-site.yaml");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-site.yaml").contains("cannot read");
    }

    @Test
    void benchPlantOptionsOutOfRangeAreRefusedBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Result rate = run("bench", "--site", "../sites/example-4feed.yaml", "--data", dir.toString(), "--waveform-rate", "5 MS/s");
        assertThat(rate.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(rate.err()).contains("bench: --waveform-rate: 5 MS/s outside the bench's 1000 S/s to 1 MS/s");
        Result unit = run("bench", "--site", "../sites/example-4feed.yaml", "--data", dir.toString(), "--waveform-rate", "48 kHz");
        assertThat(unit.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(unit.err()).contains("--waveform-rate: '48 kHz' is not a sample rate");
        Result step = run("bench", "--site", "../sites/example-4feed.yaml", "--data", dir.toString(), "--plant-step", "0");
        assertThat(step.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(step.err()).contains("bench: --plant-step: 0 ms outside 1..100 ms");
        assertThat(dir).isEmptyDirectory(); // refused before the bench made its tokens, keys or journal
    }

    @Test
    void enrollmentOptionsThatCannotBeUsedAreRefusedNamingTheOption() {
        Result noTls = run("run", "--site", "../sites/example-4feed.yaml", "--openadr-version", "2.0b",
                "--vtn", "https://vtn.example.net/OpenADR2/Simple/2.0b", "--ven-name", "hall-1");
        assertThat(noTls.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(noTls.err()).contains("--openadr-version 2.0b needs --tls-cert");
        Result badVersion = run("run", "--site", "../sites/example-4feed.yaml", "--openadr-version", "4.0",
                "--vtn", "https://vtn.example.net/", "--ven-name", "hall-1");
        assertThat(badVersion.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(badVersion.err()).contains("expected 3.1, 3.0.1 or 2.0b, got '4.0'");
        Result noSecret = run("run", "--site", "../sites/example-4feed.yaml", "--openadr-version", "3.1",
                "--vtn", "https://vtn.example.net/", "--ven-name", "hall-1", "--client-id", "x");
        assertThat(noSecret.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(noSecret.err()).contains("needs --client-secret");
    }

    @Test
    void theSiteFilesEnrollmentIsUsedUnlessTheCommandLineSaysOtherwise(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String example = java.nio.file.Files.readString(java.nio.file.Path.of("../sites/example-4feed.yaml"));
        String site = example.replaceAll("(?ms)^openadr:.*?(?=^\\S|\\z)", "") + """
                openadr:
                  enabled: true
                  version: "2.0b"
                  vtn: https://vtn.example.net/OpenADR2/Simple/2.0b
                  venName: hall-1
                  tlsCert: no-such-ven.crt
                  tlsKey: no-such-ven.key
                  tlsCa: no-such-ca.crt
                """;
        java.nio.file.Path file = dir.resolve("enrolled.yaml");
        java.nio.file.Files.writeString(file, site);
        Result r = run("run", "--site", file.toString(), "--data", dir.resolve("data").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        // the site's files are the ones read (the key first, since the key loader checks it belongs to the certificate)
        assertThat(r.err()).contains("--tls-cert/--tls-key/--tls-ca").containsAnyOf("no-such-ven.crt", "no-such-ven.key");
    }

    @Test
    void perfRunsPlanTimeAndRejectsUnknownNames() {
        Result r = run("perf", "plan-time");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).containsPattern("(?m)^plan-time\\.n1000 [0-9.]+ ms$")
                .containsPattern("(?m)^plan-time\\.n100000 [0-9.]+ ms$").contains("plan-time done");
        Result bad = run("perf", "warp-drive");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("no benchmark named 'warp-drive'").contains("plan-time");
    }

    @Test
    void perfOptionsGoToTheBenchmarkThatTakesThemAndNoOther() {
        Result none = run("perf", "plan-time", "--minutes", "1");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("plan-time takes no options").contains("footprint");
        Result bad = run("perf", "footprint", "--warp", "9");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("perf footprint: Unknown options: '--warp'").contains("--minutes");
        Result value = run("perf", "footprint", "--minutes", "ten");
        assertThat(value.exit()).isEqualTo(2);
        assertThat(value.err()).contains("--minutes").contains("'ten'").contains("--variant=NAME=OPTIONS");
    }

    @Test
    void helpListsEveryCommandTheLaunchersOwnAndTheExitCodes() {
        Result r = run("--help");
        assertThat(r.exit()).isZero();
        for (String c : java.util.List.of("bench", "run", "check-site", "probe", "token", "perf", "study", "status", "feeds", "caps",
                "alarms", "events", "override", "completion", "image", "image-test", "package-test", "fuzz", "vtn")) {
            assertThat(r.out()).as(c).containsPattern("(?m)^  " + java.util.regex.Pattern.quote(c) + "\\b");
        }
        assertThat(r.out()).contains("Exit codes").containsPattern("(?m)^\\s+4\\s+could not run")
                .containsPattern("(?m)^\\s+3\\s+the appliance cannot be reached");
    }

    @Test
    void everyCommandsHelpHasExamplesAndUpperCaseLabels() {
        java.util.List<CommandLine> all = new java.util.ArrayList<>();
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Cli.commandLine()));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            all.add(c);
            todo.addAll(c.getSubcommands().values());
        }
        assertThat(all).hasSizeGreaterThan(15);
        for (CommandLine c : all) {
            String help = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(help).as(c.getCommandSpec().qualifiedName()).contains("Examples:", "./headroom ")
                    .doesNotContainPattern("=<[a-zA-Z]+>"); // picocli's <field> labels: every option names a LABEL
        }
    }

    @Test
    void anUnknownBenchOptionSuggestsTheNearestRealOne() {
        Result r = run("bench", "--sennario", "x.yaml");
        assertThat(r.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.USAGE);
        assertThat(r.err()).contains("Unknown option: '--sennario'", "Did you mean --scenario").doesNotContain("--seed");
        Result sub = run("stauts");
        assertThat(sub.err()).contains("Did you mean status?");
    }

    @Test
    void completionPrintsPicocliBashCompletionForEveryCommand() {
        Result r = run("completion");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("complete -F _complete_headroom", "./headroom", "check-site", "--scenario");
    }

    @Test
    void aScenarioThatDoesNotLoadCouldNotRunAndStartsNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path bad = dir.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, "name: bad\nduration: ten\n");
        Result r = run("bench", "--site", "../sites/example-4feed.yaml", "--data", dir.resolve("data").toString(),
                "--scenario", bad.toString());
        assertThat(r.exit()).isEqualTo(io.headroom.common.cli.ExitCodes.COULD_NOT_RUN).isEqualTo(4);
        assertThat(r.err()).contains("bad.yaml");
        Result missing = run("bench", "--site", "../sites/example-4feed.yaml", "--scenario", dir.resolve("none.yaml").toString());
        assertThat(missing.exit()).isEqualTo(4);
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void eachScenarioGetsAFreshDataFolderOfItsOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) throws Exception {
        java.time.Instant t = java.time.Instant.parse("2026-12-07T18:30:05.123Z");
        java.nio.file.Path first = Cli.scenarioDataDir(home, "feed-loss", t);
        assertThat(first).isEqualTo(home.resolve("run/scenarios/feed-loss-20261207T183005Z"));
        java.nio.file.Files.createDirectories(first);
        assertThat(Cli.scenarioDataDir(home, "feed-loss", t)).isEqualTo(home.resolve("run/scenarios/feed-loss-20261207T183005Z-2"));
    }
}
