package io.headroom.appliance.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The production logback.xml with HEADROOM_LOG_FORMAT=journal (the packaged unit's): every line carries its
 * syslog priority for journald, stack trace lines included, so {@code journalctl -p warning} finds warnings.
 */
class JournalLayoutTest {

    @Test
    void everyLineStartsWithItsSyslogPriority() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        String thread = Thread.currentThread().getName();
        try {
            ctx.reset();
            ctx.putProperty("HEADROOM_LOG_FORMAT", "journal");
            ctx.putProperty("HEADROOM_LOG_LEVEL", "DEBUG");
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            JoranConfigurator c = new JoranConfigurator();
            c.setContext(ctx);
            c.doConfigure(JournalLayout.class.getResource("/logback.xml"));
            var log = LoggerFactory.getLogger("io.headroom.appliance.RegulationLoop");
            log.error("breaker {} tripped", "A");
            log.warn("meter stale");
            log.atWarn().addKeyValue("journalId", 42).log("alarm raised");
            log.info("appliance up");
            log.debug("tick 7");
            log.warn("a failure\nwith a second line", new IllegalStateException("boom"));
        } finally {
            System.setOut(stdout);
            ctx.reset();
            new ContextInitializer(ctx).autoConfig();
        }
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        String at = " [" + thread + "] i.h.a.RegulationLoop - ";
        assertThat(lines.subList(0, 5)).containsExactly(
                "<3>ERROR" + at + "breaker A tripped",
                "<4>WARN" + at + "meter stale",
                "<4>WARN" + at + "alarm raised journalId=\"42\"",
                "<6>INFO" + at + "appliance up",
                "<7>DEBUG" + at + "tick 7");
        List<String> last = lines.subList(5, lines.size());
        assertThat(last).hasSizeGreaterThan(3).allMatch(l -> l.startsWith("<4>"));
        assertThat(last.get(1)).isEqualTo("<4>with a second line");
        assertThat(last.get(2)).startsWith("<4>java.lang.IllegalStateException: boom");
        assertThat(JournalLayout.priority(Level.TRACE)).isEqualTo(7);
    }
}
