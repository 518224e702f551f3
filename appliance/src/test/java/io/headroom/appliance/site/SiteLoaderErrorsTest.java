package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case breaks {@code sites/minimal-2feed.yaml} (a test resource; open it to check the line numbers) with one
 * text replacement and expects exactly the listed errors, as {@code line:column: field: reason}.
 */
class SiteLoaderErrorsTest {

    static String base() throws IOException {
        try (InputStream in = SiteLoaderErrorsTest.class.getResourceAsStream("/sites/minimal-2feed.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<String> errorsOf(String text) {
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class,
                () -> SiteLoader.parse("t.yaml", text));
        assertThat(e).as("expected the site to be rejected").isNotNull();
        return e.errors().stream().map(er -> {
            assertThat(er.file()).isEqualTo("t.yaml");
            return er.toString().substring("t.yaml:".length());
        }).toList();
    }

    static String replaceOnce(String text, String old, String replacement) {
        int at = text.indexOf(old);
        assertThat(at).as("'%s' in the base site", old).isNotNegative();
        assertThat(text.indexOf(old, at + 1)).as("'%s' occurs once in the base site", old).isNegative();
        return text.substring(0, at) + replacement + text.substring(at + old.length());
    }

    private static Arguments c(String old, String replacement, String... expected) {
        return Arguments.of(replacement.replace("\n", " | "), old, replacement, List.of(expected));
    }

    static Stream<Arguments> brokenSnippets() {
        return Stream.of(
                c("  name: t", "  name: [t",
                        "3:12: YAML syntax error: expected ',' or ']', but got : (while parsing a flow sequence at line 2)"),
                c("    phases: 3\n    powerFactor: 0.98", "    phases: 3: 4\n    powerFactor: 0.98",
                        "11:14: YAML syntax error: mapping values are not allowed here"),
                c("  frequency: 60 Hz", "  frequency: 60 Hz\n\tcolor: red",
                        "4:1: YAML syntax error: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)"),
                c("    rating: 150 A", "    ratng: 150 A",
                        "7:5: feeds[0].rating: missing required key",
                        "8:5: feeds[0].ratng: unknown key 'ratng'; did you mean 'rating'?"),
                c("  frequency: 60 Hz", "  frequency: 60 Hz\n  color: red",
                        "4:3: site.color: unknown key 'color'; expected one of name, frequency"),
                c("agents:", "metres: []\nagents:",
                        "49:1: metres: unknown key 'metres'; did you mean 'meters'?"),
                c("    phases: 3\n    powerFactor: 0.95", "    powerFactor: 0.95",
                        "15:5: feeds[1].phases: missing required key"),
                c("  name: t", "  name: [a, b]",
                        "2:9: site.name: expected a string, got a list"),
                c("  name: t", "  name:",
                        "2:8: site.name: expected a string, got nothing"),
                c("    rating: 150 A", "    rating: 150 kW",
                        "8:13: feeds[0].rating: expected a current in A or kA, got \"150 kW\""),
                c("    rating: 150 A", "    rating: 150",
                        "8:13: feeds[0].rating: needs a unit: 150 A"),
                c("    rating: 150 A", "    rating: 0 A",
                        "8:13: feeds[0].rating: must be greater than 0, got \"0 A\""),
                c("    voltage: 415 V", "    voltage: -415 V",
                        "10:14: feeds[0].voltage: must be greater than 0, got \"-415 V\""),
                c("    derating: 1.0", "    derating: 1.2",
                        "9:15: feeds[0].derating: must be in (0, 1], got 1.2"),
                c("    derating: 1.0", "    derating: 80 %",
                        "9:15: feeds[0].derating: expected a number, got \"80 %\""),
                c("    powerFactor: 0.98", "    powerFactor: 0",
                        "12:18: feeds[0].powerFactor: must be in (0, 1], got 0"),
                c("    phases: 3\n    powerFactor: 0.98", "    phases: 2\n    powerFactor: 0.98",
                        "11:13: feeds[0].phases: must be 1 or 3, got 2"),
                c("    phases: 3\n    powerFactor: 0.98", "    phases: three\n    powerFactor: 0.98",
                        "11:13: feeds[0].phases: expected a whole number, got \"three\""),
                c("  frequency: 60 Hz", "  frequency: 55 Hz",
                        "3:14: site.frequency: must be 50 Hz or 60 Hz, got \"55 Hz\""),
                c("  frequency: 60 Hz", "  frequency: 60",
                        "3:14: site.frequency: needs a unit: 60 Hz"),
                c("  - id: B", "  - id: A",
                        "15:9: feeds[1].id: duplicate feed id 'A' (first at line 7)",
                        "23:16: groups[0].feeds[1]: unknown feed 'B'; known: A"),
                c("      - id: n2", "      - id: n1",
                        "30:13: racks[0].nodes[1].id: duplicate node id 'n1' (first at line 29)"),
                c("  - id: mB", "  - id: mA",
                        "20:12: feeds[1].meter: unknown meter 'mB'; known: mA",
                        "40:9: meters[1].id: duplicate meter id 'mA' (first at line 34)"),
                c("  h100: {min: 200 W, max: 700 W, default: 700 W}", "  h100: {min: 200 W, max: 700 W, default: 700 W}\n  h100: {min: 100 W, max: 300 W}",
                        "6:3: gpuModels.h100: duplicate key 'h100' (first at line 5)"),
                c("    meter: mA", "    meter: mX",
                        "14:12: feeds[0].meter: unknown meter 'mX'; known: mA, mB"),
                c("    meter: mB", "    meter: mA",
                        "20:12: feeds[1].meter: meter mA already measures feed A; each feed needs its own meter"),
                c("    feeds: [A, B]", "    feeds: [A, B, C]",
                        "23:19: groups[0].feeds[2]: unknown feed 'C'; known: A, B"),
                c("    feeds: [A, B]", "    feeds: [A]",
                        "15:5: feeds[1]: feed B is in no redundancy group",
                        "23:12: groups[0].feeds: group g1 has 1 feed; N-1 needs at least 2"),
                c("    feeds: [A, B]", "    feeds: [A, B]\n  - id: g2\n    feeds: [B, A]",
                        "25:13: groups[1].feeds[0]: feed B is already in group g1 (line 22); a feed belongs to one redundancy group",
                        "25:16: groups[1].feeds[1]: feed A is already in group g1 (line 22); a feed belongs to one redundancy group"),
                c("    feeds: [A, B]", "    feeds: [A, B, A]",
                        "23:19: groups[0].feeds[2]: feed A is listed twice"),
                c("    group: g1", "    group: g2",
                        "26:12: racks[0].group: unknown group 'g2', so the rack's 2 nodes are in no redundancy group; known: g1"),
                c("    group: g1\n", "",
                        "25:5: racks[0].group: missing required key; the rack's 2 nodes are in no redundancy group"),
                c("        priority: standard", "        priority: standard\n        gpu: h200",
                        "33:14: racks[0].nodes[1].gpu: unknown GPU model 'h200'; did you mean 'h100'?"),
                c("default: 700 W}", "default: 100 W}",
                        "5:43: gpuModels.h100.default: default 100 W is outside min..max (200 W..700 W)"),
                c("{min: 200 W,", "{min: 0 W,",
                        "5:15: gpuModels.h100.min: must be greater than 0, got \"0 W\""),
                c("max: 700 W,", "max: 150 W,",
                        "5:27: gpuModels.h100.max: max 150 W is below min 200 W"),
                c("floor: 600 W}", "floor: 800 W}",
                        "27:81: racks[0].nodeDefaults.floor: floor 800 W is outside h100's range 200 W..700 W"),
                c("    tripCurve: thermal-magnetic", "    tripCurve: thermal",
                        "13:16: feeds[0].tripCurve: unknown trip curve 'thermal'; use thermal-magnetic or a map {points: [[ratio, time], ...], instantaneous: ratio}"),
                c("    tripCurve: thermal-magnetic", "    tripCurve: {points: [[1.05, inf], [1.35, 600 s], [1.2, 5 s]], instantaneous: 10}",
                        "13:55: feeds[0].tripCurve.points[2][0]: ratios must increase: 1.2 after 1.35"),
                c("    tripCurve: thermal-magnetic", "    tripCurve: {points: [[1.05, inf], [1.35, 600 s], [6, 900 s]], instantaneous: 10}",
                        "13:58: feeds[0].tripCurve.points[2][1]: times must not increase: 900 s after 600 s"),
                c("    tripCurve: thermal-magnetic", "    tripCurve: {points: [[1.05, inf], [1.35, 600 s], [6, 5 s]], instantaneous: 6}",
                        "13:80: feeds[0].tripCurve.instantaneous: instantaneous ratio 6 must be above the last point's ratio 6"),
                c("    tripCurve: thermal-magnetic", "    tripCurve: {points: [[1.05, inf], [1.35, 600], [6]], instantaneous: 10}",
                        "13:46: feeds[0].tripCurve.points[1][1]: needs a unit: 600 ms or 600 s",
                        "13:52: feeds[0].tripCurve.points[2]: expected [ratio, time], got 1 value"),
                c("agent: 127.0.0.1:57001}", "agent: 127.0.0.1}",
                        "29:25: racks[0].nodes[0].agent: expected host:port, got \"127.0.0.1\""),
                c("agent: 127.0.0.1:57001}", "agent: 127.0.0.1:70000}",
                        "29:25: racks[0].nodes[0].agent: port must be 1..65535, got 70000"),
                c("        agent: 127.0.0.1:57002", "        agent: 127.0.0.1:57001",
                        "31:16: racks[0].nodes[1].agent: 127.0.0.1:57001 is already the agent of node n1 (line 29)"),
                c("    modbus: 127.0.0.1:15022", "    modbus: 127.0.0.1:15021",
                        "42:13: meters[1].modbus: 127.0.0.1:15021 unit 1 is already used by meter mA (line 36)"),
                c("    modbus: 127.0.0.1:15031", "    modbus: 127.0.0.1:15022",
                        "48:13: supercaps[0].modbus: 127.0.0.1:15022 unit 1 is already used by meter mB (line 42)"),
                c("    unitId: 1", "    unitId: 0",
                        "37:13: meters[0].unitId: Modbus unit id must be 1..247, got 0"),
                c("    unitId: 1", "    unitId: 248",
                        "37:13: meters[0].unitId: Modbus unit id must be 1..247, got 248"),
                c("  margin: 3 %", "  margin: 50 %",
                        "55:11: control.margin: must be at least 0 % and below 50 %, got \"50 %\""),
                c("  margin: 3 %", "  margin: 0.03",
                        "55:11: control.margin: needs a unit: 0.03 %"),
                c("  tick: 100 ms", "  tick: 0 ms",
                        "54:9: control.tick: must be greater than 0, got \"0 ms\""),
                c("  lease: 2 s", "  lease: 0 s",
                        "50:10: agents.lease: must be greater than 0, got \"0 s\""),
                c("  safeCap: auto", "  safeCap: 100 W",
                        "51:12: agents.safeCap: safeCap 100 W is outside the range of GPU model h100 (200 W..700 W) used by the nodes"),
                c("  safeCap: auto", "  safeCap: maybe",
                        "51:12: agents.safeCap: expected auto or a power in W, kW or MW, got \"maybe\""),
                c("  safeCap: auto", "  safeCap: auto\n  multicast: 10.0.0.7:5686",
                        "52:14: agents.multicast: '10.0.0.7' is not a multicast address (IPv4 224.0.0.0/4, e.g. "
                                + "239.255.72.1, or IPv6 ff00::/8)"),
                c("  safeCap: auto", "  safeCap: auto\n  multicast: 239.255.72.1",
                        "52:14: agents.multicast: expected host:port, got \"239.255.72.1\""),
                c("  safeCap: auto", "  safeCap: auto\n  multicast: 239.255.72.1:5686\n  multicastInterface: eth0",
                        "53:23: agents.multicastInterface: expected an IP address of the appliance's interface towards "
                                + "the agents, got \"eth0\""),
                c("  safeCap: auto", "  safeCap: auto\n  multicastInterface: 127.0.0.1",
                        "52:23: agents.multicastInterface: only used with agents.multicast"),
                c("  version: \"3.1\"", "  version: \"3.2\"",
                        "61:12: openadr.version: unsupported OpenADR version '3.2'; use \"3.1\", \"3.0.1\" or \"2.0b\""),
                c("  enabled: false", "  enabled: true",
                        "60:3: openadr.vtn: required when openadr is enabled",
                        "60:3: openadr.venName: required when openadr is enabled",
                        "60:3: openadr.clientId: required for OpenADR 3.x (OAuth2 client credentials)",
                        "60:3: openadr.clientSecret: required for OpenADR 3.x (OAuth2 client credentials)"),
                c("  enabled: false", "  enabled: true\n  vtn: ftp://x\n  venName: v\n  clientId: c\n  clientSecret: s",
                        "61:8: openadr.vtn: expected an http:// or https:// URL, got \"ftp://x\""),
                c("    profile: generic-3phase\n    modbus: 127.0.0.1:15022", "    profile: schneider-pm8000\n    modbus: 127.0.0.1:15022",
                        "41:14: meters[1].profile: unknown meter profile 'schneider-pm8000'; known profiles: generic-3phase, schneider-pm5300, janitza-umg96rm, eastron-sdm630, sunspec (or registerMap: a map file of the site's own)"),
                c("    feed: A", "    feed: Z",
                        "45:11: supercaps[0].feed: unknown feed 'Z'; known: A, B"),
                c("    energy: 2 kWh", "    energy: 0 kWh",
                        "46:13: supercaps[0].energy: must be greater than 0, got \"0 kWh\""),
                c("    maxPower: 50 kW", "    maxPower: 50 kWh",
                        "47:15: supercaps[0].maxPower: expected a power in W, kW or MW, got \"50 kWh\""),
                c("priority: critical,", "priority: urgent,",
                        "27:64: racks[0].nodeDefaults.priority: expected critical, standard or flexible, got \"urgent\""),
                c("{gpus: 8,", "{gpus: 0,",
                        "27:26: racks[0].nodeDefaults.gpus: must be at least 1, got 0"),
                c("{gpus: 8,", "{gpus: 8.5,",
                        "27:26: racks[0].nodeDefaults.gpus: expected a whole number, got \"8.5\""),
                c("{gpus: 8,", "{agent: 127.0.0.1:57009, gpus: 8,",
                        "27:20: racks[0].nodeDefaults.agent: 'agent' cannot be a node default; every node needs its own"),
                c("{gpus: 8, gpu: h100, ", "{gpus: 8, ",
                        "29:9: racks[0].nodes[0].gpu: missing required key (set it on the node or in the rack's nodeDefaults)",
                        "30:9: racks[0].nodes[1].gpu: missing required key (set it on the node or in the rack's nodeDefaults)"),
                c("site:\n  name: t\n  frequency: 60 Hz\n", "",
                        "1:1: site: missing required key"),
                c("racks:\n  - id: R1", "racks:\n  R1:\n    id: R1",
                        "25:3: racks: expected a list, got a map"),
                c("    deadline: 500 ms", "    deadline: 50 ms",
                        "39:15: meters[0].deadline: deadline 50 ms is shorter than the poll interval 100 ms"),
                c("    pollInterval: 100 ms", "    pollInterval: 100",
                        "38:19: meters[0].pollInterval: needs a unit: 100 ms or 100 s"),
                c("  enabled: false", "  enabled: maybe",
                        "60:12: openadr.enabled: expected true or false, got \"maybe\""),
                c("      - {id: n1, agent: 127.0.0.1:57001}", "      - n1",
                        "29:9: racks[0].nodes[0]: expected a node (a map), got \"n1\""),
                // Modbus buses
                c("    modbus: 127.0.0.1:15022", "    bus: rs485",
                        "42:10: meters[1].bus: unknown Modbus bus 'rs485'; none are defined (declare it under modbusBuses)"),
                c("    modbus: 127.0.0.1:15022\nsupercaps:", "    bus: rs485-2\nmodbusBuses:\n  - id: rs485-1\n"
                                + "    rtu: {device: /dev/ttyUSB0, baud: 19200}\nsupercaps:",
                        "42:10: meters[1].bus: unknown Modbus bus 'rs485-2'; did you mean 'rs485-1'?"),
                c("    modbus: 127.0.0.1:15022\nsupercaps:", "    modbus: 127.0.0.1:15022\n    bus: gw\nmodbusBuses:\n"
                                + "  - {id: gw, tcp: 10.0.0.9:502}\nsupercaps:",
                        "42:13: meters[1].modbus: a meter on a bus is reached through the bus 'gw'; remove modbus (or bus)"),
                c("    modbus: 127.0.0.1:15031", "    bus: gw",
                        "48:10: supercaps[0].bus: unknown Modbus bus 'gw'; none are defined (declare it under modbusBuses)"),
                c("    modbus: 127.0.0.1:15031", "    unitId: 3",
                        "44:5: supercaps[0].modbus: missing required key"),
                c("agents:", "modbusBuses:\n  - id: b\n    tcp: 10.0.0.9:502\n    rtu: {device: /dev/ttyS0, baud: 9600}\nagents:",
                        "52:5: modbusBuses[0].rtu: a bus is either tcp (a gateway) or rtu (a serial line), not both"),
                c("agents:", "modbusBuses:\n  - id: b\n    timeout: 0 ms\n    retries: 11\n    maxBackoff: 5\nagents:",
                        "50:5: modbusBuses[0].tcp: missing required key: tcp (host:port of a gateway) or rtu (a serial line)",
                        "51:14: modbusBuses[0].timeout: must be greater than 0, got \"0 ms\"",
                        "52:14: modbusBuses[0].retries: must be 0..10, got 11",
                        "53:17: modbusBuses[0].maxBackoff: needs a unit: 5 ms or 5 s"),
                c("agents:", "modbusBuses:\n  - id: b\n    rtu: {baud: 9600, parity: mark, dataBits: 9, stopBits: 3, speed: 1}\n"
                                + "    interFrameGap: -1 ms\n    unitChangeDelay: 2 kW\nagents:",
                        "51:10: modbusBuses[0].rtu.device: missing required key",
                        "51:31: modbusBuses[0].rtu.parity: expected none, even or odd, got \"mark\"",
                        "51:47: modbusBuses[0].rtu.dataBits: must be 7 or 8, got 9",
                        "51:60: modbusBuses[0].rtu.stopBits: must be 1 or 2, got 3",
                        "51:63: modbusBuses[0].rtu.speed: unknown key 'speed'; expected one of device, baud, parity, dataBits, stopBits",
                        "52:20: modbusBuses[0].interFrameGap: must not be negative, got \"-1 ms\"",
                        "53:22: modbusBuses[0].unitChangeDelay: expected a time in ms, s, min or h, got \"2 kW\""),
                c("agents:", "modbusBuses:\n  - {id: b, rtu: /dev/ttyS0}\nagents:",
                        "50:18: modbusBuses[0].rtu: expected a serial line (a map), got \"/dev/ttyS0\""),
                c("agents:", "modbusBuses:\n  - {id: b, tcp: 10.0.0.1:502}\n  - {id: b, tcp: 10.0.0.2:502}\nagents:",
                        "51:10: modbusBuses[1].id: duplicate Modbus bus id 'b' (first at line 50)"),
                // supercap fields
                c("    maxPower: 50 kW", "    maxPower: 50 kW\n    maxCharge: 60 kW\n    maxDischarge: 0 W\n"
                                + "    profile: janitza-umg96rm\n    pollInterval: 0 ms",
                        "48:16: supercaps[0].maxCharge: exceeds the converter's maxPower 50000 W, got \"60 kW\"",
                        "49:19: supercaps[0].maxDischarge: must be greater than 0, got \"0 W\"",
                        "50:14: supercaps[0].profile: unknown supercap profile 'janitza-umg96rm'; known profiles: supercap-generic (or registerMap: a map file of the site's own)",
                        "51:19: supercaps[0].pollInterval: must be greater than 0, got \"0 ms\""),
                // GPIO
                c("agents:", "gpio:\n  inputs:\n    - {id: brkA, pin: 17, kind: breaker-aux, feed: C}\n"
                                + "    - {id: uv, pin: 17, kind: undervolt, pull: sideways, debounce: -5 ms}\n"
                                + "  outputs:\n    - {id: brkA, pin: 30, kind: alarm-relay}\n  lamps: []\nagents:",
                        "51:52: gpio.inputs[0].feed: unknown feed 'C'; known: A, B",
                        "52:21: gpio.inputs[1].pin: BCM pin 17 is already used by input brkA (line 51)",
                        "52:31: gpio.inputs[1].kind: expected breaker-aux or undervoltage, got \"undervolt\"",
                        "52:48: gpio.inputs[1].pull: expected up, down or off, got \"sideways\"",
                        "52:68: gpio.inputs[1].debounce: must not be negative, got \"-5 ms\"",
                        "54:12: gpio.outputs[0].id: duplicate GPIO id 'brkA' (first at line 51)",
                        "54:23: gpio.outputs[0].pin: BCM pin must be 0..27, got 30",
                        "55:3: gpio.lamps: unknown key 'lamps'; expected one of inputs, outputs, watchdog"),
                c("agents:", "gpio:\n  inputs:\n    - {id: brkA, pin: 17, kind: breaker-aux}\n"
                                + "    - {id: brkB, pin: 18, kind: breaker-aux, feed: A}\n"
                                + "    - {id: brkC, pin: 19, kind: breaker-aux, feed: A}\nagents:",
                        "51:7: gpio.inputs[0].feed: missing required key",
                        "53:52: gpio.inputs[2].feed: feed A already has a breaker contact input (line 52)"),
                c("agents:", "gpio:\n  outputs:\n    - {id: lamp, pin: 5, kind: lamp}\n  watchdog: {pin: 5, device: /dev/watchdog, period: 0 s}\nagents:",
                        "51:32: gpio.outputs[0].kind: expected alarm-relay or status-lamp, got \"lamp\"",
                        "52:19: gpio.watchdog.pin: BCM pin 5 is already used by output lamp (line 51)",
                        "52:22: gpio.watchdog.device: give either pin (an external watchdog) or device (the Linux watchdog), not both",
                        "52:53: gpio.watchdog.period: must be greater than 0, got \"0 s\""),
                c("agents:", "gpio:\n  watchdog: {period: 1 s}\nagents:",
                        "50:13: gpio.watchdog.pin: missing required key: pin (an external watchdog) or device (e.g. /dev/watchdog)"),
                c("agents:", "gpio:\n  watchdog: {device: watchdog0}\nagents:",
                        "50:22: gpio.watchdog.device: expected a device path under /dev/, got \"watchdog0\"")
        );
    }

    @Test
    void baseSiteIsValid() throws Exception {
        Site site = SiteLoader.parse("t.yaml", base());
        assertThat(site.feeds()).hasSize(2);
        assertThat(site.nodes()).hasSize(2);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("brokenSnippets")
    void brokenSnippetReportsExactly(String name, String old, String replacement, List<String> expected)
            throws Exception {
        assertThat(errorsOf(replaceOnce(base(), old, replacement))).containsExactlyElementsOf(expected);
    }

    @Test
    void everyErrorIsReportedInOnePassSortedByLine() throws Exception {
        String text = base();
        text = replaceOnce(text, "  margin: 3 %", "  margin: 60 %");
        text = replaceOnce(text, "    rating: 150 A", "    rating: 150 kW");
        text = replaceOnce(text, "  frequency: 60 Hz", "  frequency: 50");
        text = replaceOnce(text, "      - id: n2", "      - id: n1");
        assertThat(errorsOf(text)).containsExactly(
                "3:14: site.frequency: needs a unit: 50 Hz",
                "8:13: feeds[0].rating: expected a current in A or kA, got \"150 kW\"",
                "30:13: racks[0].nodes[1].id: duplicate node id 'n1' (first at line 29)",
                "55:11: control.margin: must be at least 0 % and below 50 %, got \"60 %\"");
    }

    @Test
    void messageListsEveryErrorOnePerLine() throws Exception {
        String text = replaceOnce(replaceOnce(base(), "    rating: 150 A", "    rating: 0 A"),
                "  tick: 100 ms", "  tick: 0 ms");
        assertThatThrownBy(() -> SiteLoader.parse("t.yaml", text))
                .isInstanceOf(SiteValidationException.class)
                .hasMessage("t.yaml:8:13: feeds[0].rating: must be greater than 0, got \"0 A\"\n"
                        + "t.yaml:54:9: control.tick: must be greater than 0, got \"0 ms\"");
    }

    @Test
    void emptyAndNonMapFilesAreErrors() {
        assertThat(errorsOf("")).containsExactly("1:1: the file is empty");
        assertThat(errorsOf("# only a comment\n")).containsExactly("1:1: the file is empty");
        assertThat(errorsOf("- a\n- b\n")).containsExactly("1:1: expected a site file (a map), got a list");
    }

    @Test
    void syntaxErrorIsASiteErrorWithPosition() {
        List<String> errors = errorsOf("site:\n  name: \"unterminated\n");
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst()).startsWith("3:1: YAML syntax error: ");
    }

    @Test
    void missingSectionsAreReported() {
        assertThat(errorsOf("site: {name: x, frequency: 50 Hz}\n")).containsExactly(
                "1:1: gpuModels: missing required key",
                "1:1: feeds: missing required key",
                "1:1: groups: missing required key",
                "1:1: racks: missing required key",
                "1:1: meters: missing required key");
    }

    @Test
    void twoDevicesOnOneBusNeedDistinctUnitIds() throws Exception {
        String text = replaceOnce(base(), "    modbus: 127.0.0.1:15021\n    unitId: 1", "    bus: rs485\n    unitId: 1");
        text = replaceOnce(text, "    modbus: 127.0.0.1:15022", "    bus: rs485");
        text = replaceOnce(text, "    modbus: 127.0.0.1:15031", "    bus: rs485\n    unitId: 1");
        text = replaceOnce(text, "agents:", "modbusBuses:\n  - id: rs485\n    rtu: {device: /dev/ttyUSB0, baud: 19200}\nagents:");
        assertThat(errorsOf(text)).containsExactly(
                "42:10: meters[1].bus: unit 1 on bus rs485 is already used by meter mA (line 37)",
                "49:13: supercaps[0].unitId: unit 1 on bus rs485 is already used by meter mA (line 37)");
    }

    @Test
    void busErrorsComeWithTheOthersInOnePass() throws Exception {
        String text = replaceOnce(base(), "    modbus: 127.0.0.1:15022", "    bus: rs458");
        text = replaceOnce(text, "  margin: 3 %", "  margin: 60 %");
        text = replaceOnce(text, "agents:", "modbusBuses:\n  - {id: rs485, tcp: 10.0.0.9:502, retries: -1}\n"
                + "gpio:\n  inputs: [{id: k, pin: 99, kind: breaker-aux, feed: B}]\nagents:");
        assertThat(errorsOf(text)).containsExactly(
                "42:10: meters[1].bus: unknown Modbus bus 'rs458'; did you mean 'rs485'?",
                "50:45: modbusBuses[0].retries: must be 0..10, got -1",
                "52:25: gpio.inputs[0].pin: BCM pin must be 0..27, got 99",
                "59:11: control.margin: must be at least 0 % and below 50 %, got \"60 %\"");
    }

    @Test
    void nodeDefaultErrorsAreReportedOnceNotPerNode() throws Exception {
        // the floor comes from nodeDefaults and applies to both nodes: one error, at nodeDefaults
        String text = replaceOnce(base(), "floor: 600 W}", "floor: 800 W}");
        assertThat(errorsOf(text)).containsExactly(
                "27:81: racks[0].nodeDefaults.floor: floor 800 W is outside h100's range 200 W..700 W");
    }
}
