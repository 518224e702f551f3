package io.headroom.hil.scenario;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.site.Site;
import io.headroom.grid.openadr3.OpenAdrVersion;
import io.headroom.grid.openadr3.Ven3Config;
import io.headroom.hil.Bench;
import io.headroom.hil.LocalVtn;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The bench a scenario runs on: a fresh bench on free ports (its agents behind the network relay when the scenario
 * impairs the network), and, for {@code openadr: true}, a bench VTN
 * (OpenADR 3.1) on loopback with a program {@value #PROGRAM} that the bench's VEN is enrolled with (polling
 * every second), where the scenario's DR events are published.
 */
public final class ScenarioBench implements AutoCloseable {

    /** The program the scenarios' DR events belong to. */
    public static final String PROGRAM = "headroom-scenarios";

    private final Bench bench;
    private final LocalVtn vtn;

    private ScenarioBench(Bench bench, LocalVtn vtn) {
        this.bench = bench;
        this.vtn = vtn;
    }

    /** Starts what {@code sc} needs, its data under {@code data}, the API on {@code host:port} (0: a free one). */
    public static ScenarioBench start(Site site, Scenario sc, Path data, String host, int port, long seed) throws Exception {
        LocalVtn vtn = null;
        Ven3Config ven = null;
        if (sc.openadr()) {
            vtn = LocalVtn.start(null);
            createProgram(vtn);
            ven = Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create(vtn.baseUrl()), "scenario-ven", LocalVtn.VEN_CLIENT,
                    LocalVtn.VEN_SECRET, data.resolve("ven.db")).allowInsecureHttp(true) // the bench's own VTN on loopback
                    .pollInterval(Duration.ofSeconds(1)).build();
        }
        try {
            Bench.Options options = new Bench.Options(host, port, true, seed, data,
                    new Appliance.Options(host, port, data, null, ven)).withWaveformRate(sc.plant().waveformRateOr(Bench.WAVEFORM_RATE_HZ));
            Bench bench = Bench.start(site, sc.impairsNetwork() ? options.withNetworkRelay() : options);
            return new ScenarioBench(bench, vtn);
        } catch (Exception | Error e) {
            if (vtn != null) {
                vtn.close();
            }
            throw e;
        }
    }

    /** Creates the scenarios' program ({@value #PROGRAM}, import capacity limits in kW) on a bench VTN. */
    public static void createProgram(LocalVtn vtn) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var program = json.createObjectNode().put("id", PROGRAM).put("programName", PROGRAM);
        program.putArray("payloadDescriptors").add(json.createObjectNode().put("objectType", "EVENT_PAYLOAD_DESCRIPTOR")
                .put("payloadType", "IMPORT_CAPACITY_LIMIT").put("units", "KW"));
        vtn.vtn().createProgram(program);
    }

    public Bench bench() {
        return bench;
    }

    /** The bench VTN, or null when the scenario does not use OpenADR. */
    public LocalVtn vtn() {
        return vtn;
    }

    public ScenarioRunner.Result run(Scenario sc) throws InterruptedException {
        return ScenarioRunner.run(bench, sc, vtn);
    }

    @Override
    public void close() {
        bench.close();
        if (vtn != null) {
            vtn.close();
        }
    }
}
