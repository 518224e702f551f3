package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values, defaults and the optional forms of a valid site file. */
class SiteLoaderTest {

    private static String base() throws Exception {
        return SiteLoaderErrorsTest.base();
    }

    private static String edit(String text, String old, String replacement) {
        return SiteLoaderErrorsTest.replaceOnce(text, old, replacement);
    }

    @Test
    void openAdrEnrollmentIsReadAndWhatEachVersionNeedsIsRequired() throws Exception {
        String v3 = "openadr:\n  enabled: true\n  version: \"3.1\"\n  vtn: https://vtn.example.net/\n  venName: hall-1\n"
                + "  clientId: hall-1\n  clientSecret: s3cret\n  pollInterval: 30 s\n";
        Site site = SiteLoader.parse("t.yaml", base().replaceAll("(?ms)^openadr:.*?(?=^\\S|\\z)", "") + v3);
        assertThat(site.openadr().clientId()).isEqualTo("hall-1");
        assertThat(site.openadr().clientSecret()).isEqualTo("s3cret");
        assertThat(site.openadr().pollIntervalMs()).isEqualTo(30_000);
        String v2b = "openadr:\n  enabled: true\n  version: \"2.0b\"\n  vtn: https://vtn.example.net/OpenADR2/Simple/2.0b\n"
                + "  venName: hall-1\n  tlsCert: ven.crt\n";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SiteLoader.parse("t.yaml",
                        base().replaceAll("(?ms)^openadr:.*?(?=^\\S|\\z)", "") + v2b))
                .isInstanceOf(SiteValidationException.class)
                .hasMessageContaining("tlsKey").hasMessageContaining("required for OpenADR 2.0b")
                .hasMessageContaining("tlsCa");
    }

    @Test
    void theContractLimitAndSmoothingAreReadWithTheirUnits() throws Exception {
        String text = edit(base(), "control:\n", "control:\n  contractImportLimit: 0.42 MW\n  rampLimit: 2 MW/s\n  smoothing: 8 s\n");
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.control().contractImportLimitW()).isEqualTo(420_000.0);
        assertThat(site.control().rampLimitWPerS()).isEqualTo(2_000_000.0);
        assertThat(site.control().smoothingTauMs()).isEqualTo(8_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SiteLoader.parse("t.yaml",
                        edit(base(), "control:\n", "control:\n  rampLimit: 50 kW\n")))
                .isInstanceOf(SiteValidationException.class)
                .hasMessageContaining("control.rampLimit").hasMessageContaining("ramp rate");
        Site defaults = SiteLoader.parse("t.yaml", base());
        assertThat(defaults.control().contractImportLimitW()).isZero();
        assertThat(defaults.control().rampLimitWPerS()).isEqualTo(50_000.0);
    }

    @Test
    void metersBehindOneGatewayShareItsAddressWithDistinctUnitIds() throws Exception {
        String text = edit(base(), "    modbus: 127.0.0.1:15022", "    modbus: 127.0.0.1:15021\n    unitId: 2");
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.meters()).extracting(Meter::modbus).containsOnly(new Endpoint("127.0.0.1", 15021));
        assertThat(site.meters()).extracting(Meter::unitId).containsExactly(1, 2);
    }

    @Test
    void nodeValuesOverrideRackDefaults() throws Exception {
        Site site = SiteLoader.parse("t.yaml", base());
        Node n1 = site.nodes().get(0);
        Node n2 = site.nodes().get(1);
        assertThat(n1.priority()).isEqualTo(Priority.CRITICAL);
        assertThat(n1.floorW()).isEqualTo(600.0);
        assertThat(n1.rackId()).isEqualTo("R1");
        assertThat(n1.groupId()).isEqualTo("g1");
        assertThat(n2.priority()).isEqualTo(Priority.STANDARD);
        assertThat(n2.floorW()).as("floor is the GPU min for non-critical nodes").isEqualTo(200.0);
        assertThat(n2.agent()).isEqualTo(new Endpoint("127.0.0.1", 57002));
        assertThat(site.feeds().get(1).derating()).as("derating defaults to 1.0").isEqualTo(1.0);
        assertThat(site.feeds().get(1).tripCurve()).isEqualTo(TripCurve.thermalMagneticDefault());
        assertThat(site.meters().get(1)).isEqualTo(
                new Meter("mB", "generic-3phase", new Endpoint("127.0.0.1", 15022), 1, 100, 500));
        assertThat(site.supercaps().getFirst().unitId()).isEqualTo(1);
    }

    @Test
    void criticalFloorDefaultsToGpuMin() throws Exception {
        Site site = SiteLoader.parse("t.yaml", edit(base(), ", floor: 600 W}", "}"));
        assertThat(site.nodes().getFirst().floorW()).isEqualTo(200.0);
    }

    @Test
    void optionalSectionsHaveDefaults() throws Exception {
        String text = base();
        text = text.substring(0, text.indexOf("supercaps:")) + "agents:\n  security: none\n";
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.supercaps()).isEmpty();
        assertThat(site.agents()).isEqualTo(AgentSettings.plain(2000, 0));
        assertThat(site.control()).isEqualTo(new ControlSettings(100, 0.03, 5, 2000, 25));
        assertThat(site.openadr()).isEqualTo(OpenAdrSettings.disabled());
    }

    @Test
    void unitsAreConvertedToBaseUnits() throws Exception {
        String text = base();
        text = edit(text, "    rating: 150 A", "    rating: 0.15 kA");
        text = edit(text, "    voltage: 415 V", "    voltage: 0.415 kV");
        text = edit(text, "    energy: 2 kWh", "    energy: 500 Wh");
        text = edit(text, "    maxPower: 50 kW", "    maxPower: 0.05 MW");
        text = edit(text, "  lease: 2 s", "  lease: 1500 ms");
        text = edit(text, "  raiseHold: 2 s", "  raiseHold: 0.5 min");
        text = edit(text, "  safeCap: auto", "  safeCap: 450 W");
        text = edit(text, "  frequency: 60 Hz", "  frequency: 50Hz");
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.feeds().getFirst().ratingA()).isCloseTo(150, within(1e-9));
        assertThat(site.feeds().getFirst().voltageV()).isCloseTo(415, within(1e-9));
        assertThat(site.supercaps().getFirst().energyWh()).isEqualTo(500.0);
        assertThat(site.supercaps().getFirst().maxPowerW()).isCloseTo(50_000, within(1e-6));
        assertThat(site.agents()).isEqualTo(AgentSettings.plain(1500, 450));
        assertThat(site.control().raiseHoldMs()).isEqualTo(30_000);
        assertThat(site.frequencyHz()).isEqualTo(50.0);
    }

    @Test
    void customTripCurve() throws Exception {
        Site site = SiteLoader.parse("t.yaml", edit(base(), "    tripCurve: thermal-magnetic",
                "    tripCurve: {points: [[1.05, inf], [1.35, 10 min], [6, 5 s]], instantaneous: 10}"));
        assertThat(site.feeds().getFirst().tripCurve()).isEqualTo(new TripCurve(List.of(
                new TripCurve.Point(1.05, Double.POSITIVE_INFINITY),
                new TripCurve.Point(1.35, 600),
                new TripCurve.Point(6, 5)), 10));
    }

    @Test
    void openAdrEnabled() throws Exception {
        Site site = SiteLoader.parse("t.yaml", edit(base(), "  enabled: false\n  version: \"3.1\"",
                "  enabled: true\n  version: 2.0b\n  vtn: https://vtn.example.net/\n  venName: ven-1\n"
                        + "  tlsCert: ven.crt\n  tlsKey: ven.key\n  tlsCa: ca.crt"));
        assertThat(site.openadr()).isEqualTo(new OpenAdrSettings(true, "2.0b", "https://vtn.example.net/", "ven-1", "",
                "", "ven.crt", "ven.key", "ca.crt", 0));
    }

    @Test
    void openAdr2bSignaturesAndTheRsaSuiteAreReadAndMustBeBooleans() throws Exception {
        Site site = SiteLoader.parse("t.yaml", edit(base(), "  enabled: false\n  version: \"3.1\"",
                "  enabled: true\n  version: 2.0b\n  vtn: https://vtn.example.net/\n  venName: ven-1\n"
                        + "  tlsCert: ven.crt\n  tlsKey: ven.key\n  tlsCa: ca.crt\n  xmlSignature: true\n  tlsAllowRsaKeyExchange: true"));
        assertThat(site.openadr()).isEqualTo(new OpenAdrSettings(true, "2.0b", "https://vtn.example.net/", "ven-1", "",
                "", "ven.crt", "ven.key", "ca.crt", 0, true, true));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SiteLoader.parse("t.yaml", edit(base(), "  enabled: false\n  version: \"3.1\"",
                "  enabled: false\n  version: \"3.1\"\n  xmlSignature: sometimes")))
                .isInstanceOf(SiteValidationException.class).hasMessageContaining("xmlSignature");
    }

    @Test
    void ipv6EndpointsAndMergeKeys() throws Exception {
        String text = edit(base(), "      - {id: n1, agent: 127.0.0.1:57001}",
                "      - {id: n1, agent: \"[::1]:57001\"}");
        text = edit(text, "    nodeDefaults: {gpus: 8, gpu: h100, base: 1500 W, priority: critical, floor: 600 W}",
                "    nodeDefaults: &defaults {gpus: 8, gpu: h100, base: 1500 W, priority: critical, floor: 600 W}");
        text = edit(text, "      - id: n2\n", "      - <<: *defaults\n        id: n2\n        gpus: 4\n");
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.nodes().get(0).agent()).isEqualTo(new Endpoint("::1", 57001));
        assertThat(site.nodes().get(1).gpus()).isEqualTo(4);
        assertThat(site.nodes().get(1).priority()).isEqualTo(Priority.STANDARD);
    }

    @Test
    void loadNamesTheFileInErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, edit(base(), "    phases: 3\n    powerFactor: 0.98", "    phases: 2\n    powerFactor: 0.98"));
        try {
            SiteLoader.load(f);
            throw new AssertionError("expected a SiteValidationException");
        } catch (SiteValidationException e) {
            assertThat(e.errors()).containsExactly(new SiteError(f.toString(), 11, 13, "feeds[0].phases",
                    "must be 1 or 3, got 2"));
            assertThat(e.getMessage()).isEqualTo(f + ":11:13: feeds[0].phases: must be 1 or 3, got 2");
        }
    }

    @Test
    void modbusBusesAreReadWithTheirPacingAndDefaults() throws Exception {
        String text = edit(base(), "    modbus: 127.0.0.1:15021\n    unitId: 1", "    bus: rs485\n    unitId: 7");
        text = edit(text, "    modbus: 127.0.0.1:15022", "    bus: gw");
        text = edit(text, "agents:", """
                modbusBuses:
                  - id: rs485
                    rtu: {device: /dev/ttyUSB0, baud: 19200, parity: none}
                    interFrameGap: 5 ms
                    unitChangeDelay: 20 ms
                    timeout: 300 ms
                    retries: 2
                    maxBackoff: 10 s
                  - id: gw
                    tcp: 10.0.0.9:502
                agents:""");
        Site site = SiteLoader.parse("t.yaml", text);
        assertThat(site.modbusBuses()).containsExactly(
                new ModbusBusSpec("rs485", null, new SerialLine("/dev/ttyUSB0", 19200, 8, "none", 2), 5, 20, 300, 2,
                        10_000),
                new ModbusBusSpec("gw", new Endpoint("10.0.0.9", 502), null, 0, 0, SiteLoader.DEFAULT_BUS_TIMEOUT_MS,
                        SiteLoader.DEFAULT_BUS_RETRIES, SiteLoader.DEFAULT_BUS_MAX_BACKOFF_MS));
        Meter mA = site.meter("mA").orElseThrow();
        assertThat(mA.busId()).isEqualTo("rs485");
        assertThat(mA.modbus()).as("a meter on a bus has no endpoint of its own").isNull();
        assertThat(mA.unitId()).isEqualTo(7);
        assertThat(site.meter("mB").orElseThrow().busId()).isEqualTo("gw");
        assertThat(site.modbusBus("rs485")).isPresent();
        // a serial line with parity gets 1 stop bit by default, and even parity when none is given
        Site even = SiteLoader.parse("t.yaml", edit(text, "baud: 19200, parity: none}", "baud: 9600}"));
        assertThat(even.modbusBus("rs485").orElseThrow().rtu()).isEqualTo(new SerialLine("/dev/ttyUSB0", 9600, 8,
                "even", 1));
    }

    @Test
    void supercapLimitsProfileBusAndPollIntervalAreRead() throws Exception {
        Site defaults = SiteLoader.parse("t.yaml", base());
        SupercapBank d = defaults.supercaps().getFirst();
        assertThat(d.profile()).isEqualTo(SupercapBank.DEFAULT_PROFILE);
        assertThat(d.maxChargeW()).isEqualTo(50_000.0);
        assertThat(d.maxDischargeW()).isEqualTo(50_000.0);
        assertThat(d.pollIntervalMs()).isEqualTo(SiteLoader.DEFAULT_POLL_INTERVAL_MS);
        assertThat(d.busId()).isNull();

        String text = edit(base(), "    modbus: 127.0.0.1:15031", """
                    bus: gw
                    unitId: 9
                    profile: supercap-generic
                    maxCharge: 20 kW
                    maxDischarge: 45 kW
                    pollInterval: 250 ms
                modbusBuses:
                  - {id: gw, tcp: 10.0.0.9:502}""");
        SupercapBank c = SiteLoader.parse("t.yaml", text).supercaps().getFirst();
        assertThat(c.busId()).isEqualTo("gw");
        assertThat(c.modbus()).isNull();
        assertThat(c.unitId()).isEqualTo(9);
        assertThat(c.maxChargeW()).isEqualTo(20_000.0);
        assertThat(c.maxDischargeW()).isEqualTo(45_000.0);
        assertThat(c.pollIntervalMs()).isEqualTo(250);
        assertThat(c.maxPowerW()).isEqualTo(50_000.0);
    }

    @Test
    void gpioSectionIsReadWithDefaults() throws Exception {
        assertThat(SiteLoader.parse("t.yaml", base()).gpio()).isEqualTo(GpioSettings.none());
        String text = edit(base(), "agents:", """
                gpio:
                  inputs:
                    - {id: brkA, pin: 17, kind: breaker-aux, feed: A, activeLow: true, debounce: 30 ms}
                    - {id: brkB, pin: 27, kind: breaker-aux, feed: B}
                    - {id: uvA, pin: 22, kind: undervoltage, feed: A, pull: off}
                    - {id: uvMain, pin: 5, kind: undervoltage}
                  outputs:
                    - {id: alarm, pin: 23, kind: alarm-relay}
                    - {id: lamp, pin: 24, kind: status-lamp, activeLow: true}
                  watchdog: {pin: 4, period: 500 ms}
                agents:""");
        GpioSettings g = SiteLoader.parse("t.yaml", text).gpio();
        assertThat(g.inputs()).containsExactly(
                new GpioSettings.Input("brkA", 17, "breaker-aux", "A", true, "up", 30),
                new GpioSettings.Input("brkB", 27, "breaker-aux", "B", false, "down", SiteLoader.DEFAULT_DEBOUNCE_MS),
                new GpioSettings.Input("uvA", 22, "undervoltage", "A", false, "off", SiteLoader.DEFAULT_DEBOUNCE_MS),
                new GpioSettings.Input("uvMain", 5, "undervoltage", null, false, "down",
                        SiteLoader.DEFAULT_DEBOUNCE_MS));
        assertThat(g.outputs()).containsExactly(
                new GpioSettings.Output("alarm", 23, "alarm-relay", false),
                new GpioSettings.Output("lamp", 24, "status-lamp", true));
        assertThat(g.watchdog()).isEqualTo(new GpioSettings.Watchdog(4, null, 500));

        GpioSettings dev = SiteLoader.parse("t.yaml", edit(base(), "agents:",
                "gpio:\n  watchdog: {device: /dev/watchdog}\nagents:")).gpio();
        assertThat(dev.watchdog()).isEqualTo(new GpioSettings.Watchdog(null, "/dev/watchdog",
                SiteLoader.DEFAULT_WATCHDOG_PERIOD_MS));
        assertThat(dev.inputs()).isEmpty();
    }
}
