package io.headroom.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.api.UnconfiguredServer;
import io.headroom.common.cli.OptionSuggester;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/**
 * An appliance without a site file of its own (the package ships the example as an example only): it says so in
 * health, the API, the dashboard's page, the metrics and the operator CLI's status, and check-site --missing-ok
 * lets the service start that way.
 */
class UnconfiguredApplianceTest {

    @Command(name = "headroom", subcommands = {OperatorCommands.Status.class, ApplianceCommands.CheckSite.class})
    static final class Root {
    }

    record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = OptionSuggester.install(new CommandLine(new Root()));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Result(cmd.execute(args), out.toString(), err.toString());
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void healthApiDashboardMetricsAndStatusSayItControlsNothing(@TempDir Path dir) throws Exception {
        Path site = dir.resolve("site.yaml");
        String example = "/usr/share/doc/headroom-appliance/examples/site.yaml";
        try (UnconfiguredServer s = UnconfiguredServer.start("127.0.0.1", 0, null, site, example)) {
            HttpResponse<String> health = get(s.port(), "/api/v1/health");
            assertThat(health.statusCode()).isEqualTo(503);
            JsonObject h = new JsonObject(health.body());
            assertThat(h.getString("status")).isEqualTo("unconfigured");
            assertThat(h.getJsonArray("reasons").getString(0)).contains("no site file at " + site).contains(example);
            assertThat(get(s.port(), "/api/v1/site").statusCode()).isEqualTo(503);

            HttpResponse<String> page = get(s.port(), "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("not configured").contains("controls nothing").contains(example);

            String metrics = get(s.port(), "/metrics").body();
            assertThat(metrics).contains("headroom_configured 0.0").contains("headroom_build_info{")
                    .contains("process_uptime_seconds");

            Result status = run("status", "--url", "http://127.0.0.1:" + s.port());
            assertThat(status.exit()).isEqualTo(1);
            assertThat(status.err()).contains("NOT CONFIGURED").contains("controls nothing")
                    .contains("no site file at " + site);
        }
    }

    @Test
    void checkSiteMissingOkLetsTheServiceStartUnconfiguredButStillRejectsABrokenFile(@TempDir Path dir)
            throws Exception {
        Path missing = dir.resolve("site.yaml");
        Result ok = run("check-site", "--missing-ok", missing.toString());
        assertThat(ok.exit()).isZero();
        assertThat(ok.err()).contains("will run unconfigured");
        assertThat(run("check-site", missing.toString()).exit()).isEqualTo(2);
        java.nio.file.Files.writeString(missing, "site: {name: x}\n");
        assertThat(run("check-site", "--missing-ok", missing.toString()).exit()).isEqualTo(2);
    }
}
