package io.headroom.appliance.actuation;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link CoapActuator}'s start-up: an agent's misses before its first acknowledgement are DEBUG and counted, summed
 * up in one line when start-up ends (the flush's clock, not the wall's); after it, misses are warnings again.
 */
class CoapActuatorStartupTest {

    static Site exampleSite() throws Exception {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("sites/example-4feed.yaml");
            if (Files.isRegularFile(f)) {
                return SiteLoader.load(f);
            }
        }
        throw new IllegalStateException("no sites/example-4feed.yaml above " + Path.of("").toAbsolutePath());
    }

    private static List<String> lines(ListAppender<ILoggingEvent> a, Level level) {
        synchronized (a.list) {
            return a.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void missesWhileAgentsStartAreCountedAndSummedUpThenWarnedAgain() throws Exception {
        int silentPort;
        try (DatagramSocket s = new DatagramSocket(0)) {
            silentPort = s.getLocalPort();
        }
        Logger logger = (Logger) LoggerFactory.getLogger(CoapActuator.class);
        Level was = logger.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
        try (NodeAgent agent = NodeAgent.builder(new SimulatedGpus(8, 200, 700, 700)).name("r1-n1")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).powerPublishInterval(Duration.ZERO).safeCapW(500)
                .start()) {
            Site site = exampleSite().withEndpoints(Map.of("r1-n1", new Endpoint("127.0.0.1", agent.port()),
                    "r1-n2", new Endpoint("127.0.0.1", silentPort)), Map.of());
            Node answering = site.nodes().stream().filter(n -> n.id().equals("r1-n1")).findFirst().orElseThrow();
            Node silent = site.nodes().stream().filter(n -> n.id().equals("r1-n2")).findFirst().orElseThrow();
            try (CoapActuator actuator = new CoapActuator(site,
                    AgentClient.builder().timeout(Duration.ofMillis(300)).build(), null, System::nanoTime)) {
                long t0 = 1_000_000_000L;
                actuator.command(answering, 600);
                actuator.command(silent, 600);
                actuator.flush(t0);
                await().atMost(Duration.ofSeconds(10)).until(() -> lines(appender, Level.DEBUG).stream()
                        .anyMatch(l -> l.startsWith("agent r1-n2") && l.contains("not acknowledged while starting")));
                assertThat(lines(appender, Level.WARN)).as("a miss while starting is no warning").isEmpty();
                // 29 s on the flush's clock: still starting (the other 62 agents never answered either)
                actuator.flush(t0 + 29_000_000_000L);
                assertThat(lines(appender, Level.WARN)).isEmpty();
                assertThat(lines(appender, Level.INFO)).noneMatch(l -> l.startsWith("agents:"));
                // 30 s: start-up is over, one line names the silent agents and counts the misses
                actuator.flush(t0 + 30_000_000_000L);
                assertThat(lines(appender, Level.WARN)).singleElement().asString()
                        .startsWith("agents: 30 s after the first command, 63 of 64 have not acknowledged a cap: ")
                        .contains("r1-n2").doesNotContain("r1-n1,").contains("cap command(s)")
                        .contains("went unanswered or were refused while they started");
                // from now on, the silent agent's misses are warnings again (at its failures 1, 2, 4, 8, …)
                long[] t = {t0 + 30_000_000_000L};
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    t[0] += 1_000_000_000L;
                    actuator.flush(t[0]);
                    return lines(appender, Level.WARN).stream()
                            .anyMatch(l -> l.startsWith("agent r1-n2") && l.contains("not acknowledged"));
                });
            }
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(was);
        }
    }
}
