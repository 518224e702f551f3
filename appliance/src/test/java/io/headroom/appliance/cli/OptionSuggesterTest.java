package io.headroom.appliance.cli;

import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The nearest real option for an unknown one, and the shared exit codes. */
class OptionSuggesterTest {

    static final List<String> BENCH = List.of("--site", "--seed", "--scenario", "--data", "--duration", "--http-host",
            "--http-port", "--ephemeral-ports", "--workload", "--waveform-rate", "--plant-step", "--vtn-scenario", "--help");

    @Test
    void aTypoOfScenarioSuggestsScenarioNotSeed() {
        assertThat(OptionSuggester.suggest("--sennario", BENCH)).first().isEqualTo("--scenario");
        assertThat(OptionSuggester.suggest("--sennario", BENCH)).doesNotContain("--seed");
        assertThat(OptionSuggester.suggest("--scenraio", BENCH)).first().isEqualTo("--scenario"); // a swap is one edit
        assertThat(OptionSuggester.suggest("--sede", BENCH)).first().isEqualTo("--seed");
        assertThat(OptionSuggester.suggest("--http", BENCH)).contains("--http-host", "--http-port");
        assertThat(OptionSuggester.suggest("--durration=5", BENCH)).first().isEqualTo("--duration");
        assertThat(OptionSuggester.suggest("--frobnicate", BENCH)).isEmpty();
    }

    @Test
    void damerauLevenshteinCountsASwapAsOneEdit() {
        assertThat(OptionSuggester.damerauLevenshtein("scenario", "scenraio")).isEqualTo(1);
        assertThat(OptionSuggester.damerauLevenshtein("sennario", "scenario")).isEqualTo(2);
        assertThat(OptionSuggester.damerauLevenshtein("", "abc")).isEqualTo(3);
        assertThat(OptionSuggester.damerauLevenshtein("seed", "seed")).isZero();
    }

    @Command(name = "bench")
    static final class Bench implements Runnable {
        @Option(names = "--scenario", paramLabel = "FILE")
        String scenario;
        @Option(names = "--seed", paramLabel = "SEED")
        long seed;
        @Option(names = "--site", paramLabel = "FILE")
        String site;

        @Override
        public void run() {
            throw new IllegalStateException("crashed at start");
        }
    }

    @Command(name = "headroom", subcommands = Bench.class)
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void everyCommandUnderTheRootGetsTheSuggestionAndExitsWithTheUsageCode() {
        StringWriter err = new StringWriter();
        CommandLine cl = OptionSuggester.install(new CommandLine(new Root()));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute("bench", "--sennario", "x.yaml");
        assertThat(rc).isEqualTo(ExitCodes.USAGE).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--sennario'", "Did you mean --scenario?")
                .doesNotContain("--seed");
        StringWriter err2 = new StringWriter();
        cl.setErr(new PrintWriter(err2, true));
        assertThat(cl.execute("bnech")).isEqualTo(ExitCodes.USAGE);
        assertThat(err2.toString()).contains("Did you mean bench?");
    }

    @Test
    void aCommandThatThrowsExitsCouldNotRun() {
        CommandLine cl = OptionSuggester.install(new CommandLine(new Root()));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        assertThat(cl.execute("bench")).isEqualTo(ExitCodes.COULD_NOT_RUN).isEqualTo(4);
    }

    @Test
    void theExitCodesAreDistinctAndTheTableListsEach() {
        assertThat(ExitCodes.CODES).extracting(ExitCodes.Code::code).containsExactly(0, 1, 2, 3, 4);
        assertThat(ExitCodes.lines()).hasSize(5);
        assertThat(ApplianceCommands.EXIT_USAGE).isEqualTo(ExitCodes.USAGE);
        assertThat(ApplianceCommands.EXIT_INVALID_SITE).isEqualTo(ExitCodes.USAGE);
        assertThat(OperatorCommands.EXIT_UNREACHABLE).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(OperatorCommands.EXIT_API).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void jsonIsIndentedOnlyWhenAskedFor() {
        String body = "{\"a\":1,\"b\":[1,2]}";
        assertThat(Json.forOutput(body, false)).isEqualTo(body);
        assertThat(Json.forOutput(body, true)).contains("\n").contains("\"a\" : 1");
        assertThat(Json.forOutput("[{\"a\":1}]", true)).contains("\n");
        assertThat(Json.forOutput("not json {", true)).isEqualTo("not json {");
    }
}
