package io.headroom.image.update;

import io.headroom.common.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code headroom-update}'s command line: the project's did-you-mean and exit codes (0, 1, 2, 4). */
class UpdateCliTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = UpdateCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anUnknownOptionOrSubcommandGetsTheNearestRealOneAndExitsTwo(@TempDir Path dir) {
        Run option = run("verify", "--trsuted", dir.toString(), dir.resolve("b.hrb").toString());
        assertThat(option.code()).isEqualTo(ExitCodes.USAGE).isEqualTo(2);
        assertThat(option.err()).contains("Unknown option: '--trsuted'", "Did you mean --trusted?",
                "Usage: headroom-update verify --help");
        Run sub = run("verfy", dir.resolve("b.hrb").toString());
        assertThat(sub.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(sub.err()).contains("Did you mean verify?");
        Run install = run("install", "--force-downgarde", "--reason", "x", dir.resolve("b.hrb").toString());
        assertThat(install.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(install.err()).contains("Did you mean --force-downgrade?");
    }

    @Test
    void aBadOrMissingValueExitsTwo(@TempDir Path dir) {
        Run bool = run("install", "--force-downgrade=maybe", dir.resolve("b.hrb").toString());
        assertThat(bool.code()).as(bool.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(bool.err()).contains("maybe");
        Run missing = run("sign", "--key", dir.resolve("k.key").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("Missing required");
        // the command's own check: a forced downgrade needs a reason
        Run noReason = run("install", "--force-downgrade", dir.resolve("b.hrb").toString());
        assertThat(noReason.code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void helpListsTheExitCodes() {
        Run help = run("install", "--help");
        assertThat(help.code()).isEqualTo(ExitCodes.OK);
        assertThat(help.out()).contains("Exit codes:", "refused", "usage or invalid input", "could not run");
    }
}
