package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.CoapActuator;
import io.headroom.appliance.api.ApiServer;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.grid.CommitmentBook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;

/**
 * The whole appliance, wired by hand so the graph reads in one place:
 * <pre>
 *   meters (Modbus TCP) ─▶ MeasurementPipeline ─┐
 *                                                ├▶ RegulationLoop ─▶ GroupRegulator per group ─▶ Actuator ─▶ agents (CoAP)
 *   agent acknowledgements (GPU power) ──────────┘          │
 *                                                          └▶ SiteState ─▶ ApiServer (REST + dashboard)
 * </pre>
 */
public final class Appliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Appliance.class);

    private final Site site;
    private final MeasurementPipeline measurements;
    private final Actuator actuator;
    private final RegulationLoop regulation;
    private final ApiServer api;

    private Appliance(Site site, MeasurementPipeline measurements, Actuator actuator, RegulationLoop regulation,
                      ApiServer api) {
        this.site = site;
        this.measurements = measurements;
        this.actuator = actuator;
        this.regulation = regulation;
        this.api = api;
    }

    /** Starts every part; on failure, closes what was started and rethrows. */
    public static Appliance start(Site site, String httpHost, int httpPort) {
        return start(site, httpHost, httpPort, new CommitmentBook());
    }

    /** Starts with a commitment book the grid interface (or a test) fills. */
    public static Appliance start(Site site, String httpHost, int httpPort, CommitmentBook commitments) {
        Clock utc = Clock.systemUTC();
        MeasurementPipeline measurements = new MeasurementPipeline(site, utc);
        Actuator actuator = null;
        RegulationLoop regulation = null;
        try {
            actuator = new CoapActuator(site, AgentClient.builder()
                    .timeout(Duration.ofMillis(Math.clamp(site.agents().leaseMs() / 4, 100, 1000))).build());
            regulation = new RegulationLoop(site, measurements, actuator, commitments, utc, System::nanoTime);
            RegulationLoop loop = regulation;
            ApiServer api = ApiServer.start(site, loop::state, httpHost, httpPort);
            measurements.start();
            regulation.start();
            log.info("appliance up: site {} ({} feeds, {} nodes, {} GPUs); API on http://{}:{}/", site.name(),
                    site.feeds().size(), site.nodes().size(), site.gpuCount(), httpHost, api.port());
            return new Appliance(site, measurements, actuator, regulation, api);
        } catch (RuntimeException e) {
            if (regulation != null) {
                regulation.close();
            }
            if (actuator != null) {
                actuator.close();
            }
            measurements.close();
            throw e;
        }
    }

    public Site site() {
        return site;
    }

    public SiteState state() {
        return regulation.state();
    }

    public int httpPort() {
        return api.port();
    }

    @Override
    public void close() {
        api.close();
        regulation.close();
        actuator.close();
        measurements.close();
    }
}
