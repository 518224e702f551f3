package io.headroom.appliance.journal;

import io.headroom.testsupport.Sites;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import io.headroom.appliance.RegulationLoop;
import io.headroom.appliance.SiteState;
import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.CommitmentBook;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The production logback.xml with HEADROOM_LOG_FORMAT=json (and text): a journaled event's log line carries the
 * id of its journal entry. Reconfigures the global logging context for the test and restores it after.
 */
class JsonLogTest {

    static Site exampleSite() throws Exception {
        return SiteLoader.load(Sites.example4Feed());
    }

    /** Runs one regulation tick (the meters were never read: alarms) with logging configured for {@code format}. */
    static List<String> logLinesOfATick(String format, Journal journal, Site site) throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            ctx.reset();
            ctx.putProperty("HEADROOM_LOG_FORMAT", format);
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            JoranConfigurator c = new JoranConfigurator();
            c.setContext(ctx);
            c.doConfigure(RegulationLoop.class.getResource("/logback.xml"));
            try (MeasurementPipeline never = new MeasurementPipeline(site, Clock.systemUTC());
                 RegulationLoop loop = new RegulationLoop(site, never, new io.headroom.appliance.testing.NoActuator(), new CommitmentBook(), journal,
                         Clock.systemUTC(), System::nanoTime)) {
                SiteState s = loop.tick();
                assertThat(s.alarms()).isNotEmpty();
            }
            LoggerFactory.getLogger(JsonLogTest.class).info("a line without a journal id");
        } finally {
            System.setOut(stdout);
            ctx.reset();
            new ContextInitializer(ctx).autoConfig();
        }
        return buf.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesAreJsonWithLevelLoggerMessageAndTheJournalIdOfTheirEntry(@TempDir Path dir) throws Exception {
        Site site = exampleSite();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            List<String> lines = logLinesOfATick("json", journal, site);
            List<JsonObject> raised = new ArrayList<>();
            JsonObject plain = null;
            for (String line : lines) {
                JsonObject o = new JsonObject(line); // every line is one JSON object
                assertThat(o.getString("level")).as(line).isNotBlank();
                assertThat(o.getString("loggerName")).as(line).isNotBlank();
                assertThat(o.getString("formattedMessage")).as(line).isNotNull();
                if (o.getString("formattedMessage").startsWith("alarm raised: ")) {
                    raised.add(o);
                } else if (o.getString("formattedMessage").equals("a line without a journal id")) {
                    plain = o;
                }
            }
            assertThat(raised).isNotEmpty();
            assertThat(plain).isNotNull();
            assertThat(journalId(plain)).isNull();
            await().until(() -> journal.entries(Instant.EPOCH, Instant.now().plusSeconds(60), "alarm.raised", 100).size()
                    >= raised.size());
            List<JournalEntry> entries = journal.entries(Instant.EPOCH, Instant.now().plusSeconds(60), "alarm.raised", 100);
            for (JsonObject o : raised) {
                assertThat(o.getString("level")).isEqualTo("WARN");
                assertThat(o.getString("loggerName")).isEqualTo(RegulationLoop.class.getName());
                Long id = journalId(o);
                assertThat(id).as(o.encode()).isNotNull().isPositive();
                JournalEntry e = entries.stream().filter(x -> x.id() == id).findFirst().orElseThrow(
                        () -> new AssertionError("no journal entry " + id + " for " + o.encode() + " in " + entries));
                assertThat("alarm raised: " + e.message()).isEqualTo(o.getString("formattedMessage"));
            }
        }
    }

    @Test
    void textLinesCarryTheJournalIdAfterTheMessage(@TempDir Path dir) throws Exception {
        Site site = exampleSite();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            List<String> lines = logLinesOfATick("text", journal, site);
            assertThat(lines).anyMatch(l -> l.contains(" WARN ") && l.contains("alarm raised: ")
                    && l.matches(".* journalId=\"[0-9]+\"$"));
            assertThat(lines).anyMatch(l -> l.endsWith("- a line without a journal id"));
        }
    }

    /** The journalId key-value pair of a JsonEncoder line, or null. */
    static Long journalId(JsonObject o) {
        JsonArray kvp = o.getJsonArray("kvpList");
        if (kvp == null) {
            return null;
        }
        for (Object x : kvp) {
            if (x instanceof JsonObject pair && pair.containsKey(JournalLog.KEY)) {
                return Long.valueOf(String.valueOf(pair.getValue(JournalLog.KEY)));
            }
        }
        return null;
    }
}
