package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code mqtt:} section (the Sparkplug B northbound): what it reads, and its errors with line and column. */
class SiteLoaderMqttTest {

    private static int lines(String s) {
        return (int) s.chars().filter(c -> c == '\n').count() + (s.endsWith("\n") ? 0 : 1);
    }

    @Test
    void withoutTheSectionTheNorthboundIsOff() throws Exception {
        assertThat(SiteLoader.parse("t.yaml", base()).mqtt().enabled()).isFalse();
    }

    @Test
    void readsBrokerIdsCredentialsAndInterval() throws Exception {
        Site s = SiteLoader.parse("t.yaml", base() + """

                mqtt:
                  enabled: true
                  broker: mqtts://scada.example:8884
                  groupId: Plant
                  edgeNodeId: hall-a
                  username: headroom
                  password: s3cret
                  publishInterval: 500 ms
                """);
        MqttSettings m = s.mqtt();
        assertThat(m.enabled()).isTrue();
        assertThat(m.host()).isEqualTo("scada.example");
        assertThat(m.port()).isEqualTo(8884);
        assertThat(m.tls()).isTrue();
        assertThat(m.groupId()).isEqualTo("Plant");
        assertThat(m.edgeNodeId()).isEqualTo("hall-a");
        assertThat(m.effectiveClientId()).isEqualTo("hall-a");
        assertThat(m.publishIntervalMs()).isEqualTo(500);
        assertThat(m.toString()).doesNotContain("s3cret");
        assertThat(SiteLoader.parse("t.yaml", base() + "\nmqtt: {enabled: true, broker: mqtt://b, groupId: g,"
                + " edgeNodeId: n}\n").mqtt().port()).isEqualTo(1883);
    }

    @Test
    void everyProblemIsReportedWithItsLineAndColumn() throws Exception {
        String b = base() + "\n";
        int at = lines(b) + 1; // the line of "mqtt:"
        assertThat(errorsOf(b + """
                mqtt:
                  enabled: true
                  broker: http://scada.example
                  groupId: "Plant/1"
                  password: x
                  publishInterval: 10 ms
                  tlsCert: missing.pem
                """)).containsExactly(
                (at + 1) + ":3: mqtt.username: required with a password", // a missing key: at the section's first
                (at + 1) + ":3: mqtt.tlsKey: a client certificate needs both tlsCert and tlsKey",
                (at + 1) + ":3: mqtt.edgeNodeId: required when mqtt is enabled",
                (at + 2) + ":11: mqtt.broker: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got \"http://scada.example\"",
                (at + 3) + ":12: mqtt.groupId: a Sparkplug id is one topic level: not empty, no '+', '/' or '#', got \"Plant/1\"",
                (at + 5) + ":20: mqtt.publishInterval: must be 100 ms .. 1 h, got \"10 ms\"",
                (at + 6) + ":12: mqtt.tlsCert: cannot read " + java.nio.file.Path.of("missing.pem").toAbsolutePath());
    }

    @Test
    void aPasswordOverPlainMqttIsRefusedUnlessInsecure() throws Exception {
        String b = base() + "\n";
        int at = lines(b) + 1;
        assertThat(errorsOf(b + """
                mqtt:
                  enabled: true
                  broker: mqtt://scada.example
                  groupId: g
                  edgeNodeId: n
                  username: u
                  password: p
                """)).containsExactly((at + 2) + ":11: mqtt.broker: a password over plain mqtt:// travels in clear:"
                + " use mqtts://, or insecure: true on a bench");
        assertThat(SiteLoader.parse("t.yaml", b + """
                mqtt: {enabled: true, broker: mqtt://127.0.0.1:1883, groupId: g, edgeNodeId: n, username: u,
                       password: p, insecure: true}
                """).mqtt().password()).isEqualTo("p");
    }
}
