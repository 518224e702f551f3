package io.headroom.appliance.metrics;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** appliance/grafana/headroom.json names only what {@link ApplianceMetrics} exposes: the dashboard cannot drift. */
class GrafanaDashboardTest {

    static final Pattern METRIC = Pattern.compile("\\bheadroom_[A-Za-z0-9_]+");
    /** The appliance's series and the JVM and process series its binders add ({@code ApplianceMetrics.jvm()}). */
    static final Pattern SERIES = Pattern.compile("\\b(?:headroom|jvm|process)_[A-Za-z0-9_]+");

    static Path dashboard() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path f : List.of(p.resolve("grafana/headroom.json"), p.resolve("appliance/grafana/headroom.json"))) {
                if (Files.isRegularFile(f)) {
                    return f;
                }
            }
        }
        throw new IllegalStateException("appliance/grafana/headroom.json not found");
    }

    /** Every panel, rows' nested panels included. */
    static List<JsonObject> panels(JsonArray list) {
        List<JsonObject> out = new ArrayList<>();
        for (Object o : list) {
            JsonObject p = (JsonObject) o;
            out.add(p);
            if (p.getJsonArray("panels") != null) {
                out.addAll(panels(p.getJsonArray("panels")));
            }
        }
        return out;
    }

    @Test
    void everyExpressionNamesOnlyMetricFamiliesTheApplianceExposes(@TempDir Path dir) throws Exception {
        JsonObject d = new JsonObject(Files.readString(dashboard()));
        assertThat(d.getInteger("schemaVersion")).isBetween(36, 41);
        Site site = Scrape.exampleSite();
        Set<String> exposed;
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            try (ApplianceMetrics m = Scrape.full(site, () -> null, journal, Clock.systemUTC()).jvm()) {
                exposed = Scrape.names(m.scrape());
            }
        }
        assertThat(exposed).contains("headroom_feed_power_watts", "headroom_modbus_poll_seconds_bucket",
                "headroom_openadr_registered");

        Set<String> named = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        int queried = 0;
        for (JsonObject p : panels(d.getJsonArray("panels"))) {
            if ("row".equals(p.getString("type"))) {
                continue;
            }
            String title = p.getString("title");
            assertThat(p.getJsonObject("datasource").getString("uid")).as(title).isEqualTo("${DS_PROMETHEUS}");
            JsonArray targets = p.getJsonArray("targets");
            assertThat(targets).as(title + ": targets").isNotNull().isNotEmpty();
            for (Object t : targets) {
                String expr = ((JsonObject) t).getString("expr");
                Matcher m = SERIES.matcher(expr == null ? "" : expr);
                boolean any = false;
                while (m.find()) {
                    any = true;
                    named.add(m.group());
                    if (!exposed.contains(m.group())) {
                        problems.add(title + ": " + m.group() + " in " + expr);
                    }
                }
                if (!any) {
                    problems.add(title + ": no headroom metric in " + expr);
                }
                queried++;
            }
        }
        for (Object v : d.getJsonObject("templating").getJsonArray("list")) {
            JsonObject var = (JsonObject) v;
            Object q = var.getValue("query");
            String text = q instanceof JsonObject o ? o.getString("query") : String.valueOf(q);
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                named.add(m.group());
                if (!exposed.contains(m.group())) {
                    problems.add("variable " + var.getString("name") + ": " + m.group());
                }
            }
        }
        assertThat(problems).as("expressions naming series /metrics does not have").isEmpty();
        assertThat(queried).isGreaterThanOrEqualTo(12);
        // the panels the issue asks for are there
        assertThat(named).contains("headroom_feed_current_amperes", "headroom_feed_limit_amperes",
                "headroom_feed_margin_ratio", "headroom_group_gpu_budget_watts", "headroom_regulation_tick_seconds_bucket",
                "headroom_regulation_jitter_seconds_bucket", "headroom_protection_fastpath_seconds_bucket",
                "headroom_modbus_poll_seconds_bucket", "headroom_modbus_poll_errors_total", "headroom_agent_ack_seconds_bucket",
                "headroom_alarms_active", "headroom_openadr_registered", "headroom_openadr_events_active",
                "headroom_openadr_pending_reports", "headroom_openadr_last_poll_age_seconds", "headroom_journal_dropped_total",
                "headroom_group_n1_ready", "headroom_protection_agents_armed", "headroom_feed_ceiling_amperes",
                "headroom_bank_soc_ratio", "headroom_feed_quality");
    }
}
