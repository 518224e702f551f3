package io.headroom.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.modbus.MeterSlave;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.testsupport.Sites;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code probe meter} and {@code probe bank} against real Modbus TCP servers (j2mod, started here) named by a copy of
 * the example site, as {@code ./headroom} runs them.
 */
class ProbeCommandsTest {

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = OptionSuggester.install(new CommandLine(new ProbeCommands()));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The example site with r1-n1's agent at {@code agentPort} on the loopback (plain CoAP, as the example says). */
    Path agentSite(int agentPort) throws IOException {
        String yaml = Files.readString(Sites.example4Feed()).replace("127.0.0.1:17001", "127.0.0.1:" + agentPort);
        Path f = dir.resolve("agent-site.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void anAgentIsAskedForItsInventoryHealthAndLimits() throws Exception {
        try (NodeAgent agent = NodeAgent.builder(new SimulatedGpus(8, 200, 700, 650)).name("r1-n1")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).powerPublishInterval(Duration.ZERO).safeCapW(450)
                .start()) {
            Path site = agentSite(agent.port());
            Result json = run("agent", "r1-n1", "--site", site.toString(), "--json");
            assertThat(json.exit()).as(json.err()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(json.out().strip());
            assertThat(o.getString("security")).isEqualTo("none");
            assertThat(o.getBoolean("reachable")).isTrue();
            assertThat(o.getString("address")).isEqualTo("127.0.0.1:" + agent.port());
            JsonArray gpus = o.getJsonArray("gpus");
            assertThat(gpus).hasSize(8);
            assertThat(gpus.getJsonObject(0).getDouble("minW")).isEqualTo(200);
            assertThat(gpus.getJsonObject(0).getDouble("maxW")).isEqualTo(700);
            assertThat(gpus.getJsonObject(0).getDouble("defaultW")).isEqualTo(650);
            assertThat(gpus.getJsonObject(7).getDouble("safeCapW")).isEqualTo(450);
            assertThat(gpus.getJsonObject(7).getDouble("limitW")).as("an agent starts at its safe cap").isEqualTo(450);
            assertThat(o.getJsonObject("health").getString("lease")).isEqualTo("SAFE_CAP");
            assertThat(o.getJsonObject("health").getValue("secondsSinceLastCommand")).isNull();

            Result text = run("agent", "r1-n1", "--site", site.toString());
            assertThat(text.exit()).isEqualTo(ExitCodes.OK);
            assertThat(text.out()).contains("agent of r1-n1: 127.0.0.1:" + agent.port() + ", security none: reachable",
                    "lease SAFE_CAP, last cap command never", "MAX W");
        }
    }

    @Test
    void anAgentOverDtlsPskIsReachedWithItsKeyAndAWrongKeyLooksUnreachable() throws Exception {
        byte[] key = new byte[16];
        new java.security.SecureRandom().nextBytes(key);
        byte[] other = key.clone();
        other[0] ^= 1;
        try (NodeAgent agent = NodeAgent.builder(new SimulatedGpus(4, 200, 700, 700)).name("r1-n1")
                .powerPublishInterval(Duration.ZERO).safeCapW(400)
                .endpoint(Dtls.agentEndpoint(new InetSocketAddress("127.0.0.1", 0), new Dtls.Psk("r1-n1", key), "r1-n1"))
                .start()) {
            Path plain = agentSite(agent.port());
            // psk, with a key line for every agent node of the site (the site file requires them)
            java.util.List<String> nodes = io.headroom.appliance.actuation.AgentProbe.agentNodes(
                    io.headroom.appliance.site.SiteLoader.load(plain));
            StringBuilder keys = new StringBuilder();
            for (String n : nodes) {
                keys.append(n).append(' ').append(java.util.HexFormat.of().formatHex(n.equals("r1-n1") ? key : other))
                        .append('\n');
            }
            Files.writeString(dir.resolve("agents.keys"), keys);
            Path psk = dir.resolve("psk-site.yaml");
            Files.writeString(psk, Files.readString(plain).replaceFirst("(?m)^  security: none.*$",
                    "  security: psk\n  pskKeys: agents.keys"));
            Result ok = run("agent", "r1-n1", "--site", psk.toString(), "--json");
            assertThat(ok.exit()).as(ok.err()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(ok.out().strip());
            assertThat(o.getString("security")).isEqualTo("psk");
            assertThat(o.getString("identity")).isEqualTo("r1-n1");
            assertThat(o.getJsonArray("gpus")).hasSize(4);

            Files.writeString(dir.resolve("agents.keys"), keys.toString().replace(
                    "r1-n1 " + java.util.HexFormat.of().formatHex(key), "r1-n1 " + java.util.HexFormat.of().formatHex(other)));
            Result wrong = run("agent", "r1-n1", "--site", psk.toString(), "--timeout", "500ms");
            assertThat(wrong.exit()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(wrong.err()).contains("a wrong key or certificate looks like no answer");
        }
    }

    @Test
    void aSilentAgentIsUnreachableAndANodeWithoutOneIsAUsageError() throws Exception {
        Path site = agentSite(freePort());
        Result silent = run("agent", "r1-n1", "--site", site.toString(), "--timeout", "300ms", "--json");
        assertThat(silent.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        JsonObject o = new JsonObject(silent.out().strip());
        assertThat(o.getBoolean("reachable")).isFalse();
        assertThat(o.getString("outcome")).isEqualTo("UNREACHABLE");
        assertThat(o.containsKey("gpus")).isFalse();
        Result unknown = run("agent", "r9-n9", "--site", site.toString());
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("no node r9-n9", "r1-n1", "r1-n2");
        Result badTimeout = run("agent", "r1-n1", "--site", site.toString(), "--timeout", "soon");
        assertThat(badTimeout.exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void gpioInputsAreReadWithTheirPolarityAndMeaning() throws Exception {
        Path site = dir.resolve("gpio-site.yaml");
        Files.writeString(site, Files.readString(Sites.example4Feed()) + """

                gpio:
                  inputs:
                    - {id: brk-A, pin: 17, kind: breaker-aux, feed: A, activeLow: true, pull: up}
                    - {id: uv, pin: 27, kind: undervoltage}
                """);
        // Pi4J's mock pins read low: the active-low breaker contact is asserted (closed), the relay released
        Result json = run("gpio", "--site", site.toString(), "--gpio-provider", "mock", "--json");
        assertThat(json.exit()).as(json.err()).isEqualTo(ExitCodes.OK);
        JsonObject o = new JsonObject(json.out().strip());
        assertThat(o.getString("provider")).isEqualTo("mock");
        JsonArray inputs = o.getJsonArray("inputs");
        assertThat(inputs).hasSize(2);
        assertThat(inputs.getJsonObject(0).getString("id")).isEqualTo("brk-A");
        assertThat(inputs.getJsonObject(0).getString("level")).isEqualTo("low");
        assertThat(inputs.getJsonObject(0).getBoolean("asserted")).isTrue();
        assertThat(inputs.getJsonObject(0).getString("meaning")).isEqualTo("breaker closed");
        assertThat(inputs.getJsonObject(1).getBoolean("asserted")).isFalse();
        assertThat(inputs.getJsonObject(1).getString("meaning")).isEqualTo("undervoltage relay released");

        Result one = run("gpio", "uv", "--site", site.toString(), "--gpio-provider", "mock");
        assertThat(one.exit()).isEqualTo(ExitCodes.OK);
        assertThat(one.out()).contains("uv ", "undervoltage relay released").doesNotContain("brk-A");
        Result unknown = run("gpio", "brk-Z", "--site", site.toString(), "--gpio-provider", "mock");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("no GPIO input brk-Z", "brk-A, uv");
        Result none = run("gpio", "--site", site(freePort(), freePort()).toString(), "--gpio-provider", "mock");
        assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("declares no GPIO inputs");
    }

    @Test
    void aUdpStreamIsHeardWithItsRateRmsFrequencyRotationAndPowerSigns() throws Exception {
        int port;
        try (java.net.DatagramSocket d = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = d.getLocalPort();
        }
        Path site = dir.resolve("stream-site.yaml");
        Files.writeString(site, Files.readString(Sites.example4Feed()) + """

                waveforms:
                  streams:
                    - feed: A
                      source: udp
                      bind: 127.0.0.1:%d
                      streamId: 1
                      rate: 4.8 kS/s
                      senders: [127.0.0.1]
                """.formatted(port));
        io.headroom.drivers.waveform.StreamFormat format =
                io.headroom.drivers.waveform.StreamFormat.threePhaseFeed(1, 4800, "A");
        java.util.concurrent.atomic.AtomicInteger l3Sign = new java.util.concurrent.atomic.AtomicInteger(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread publisher;
        try (io.headroom.drivers.waveform.UdpFrameSender sender = new io.headroom.drivers.waveform.UdpFrameSender(
                new InetSocketAddress("127.0.0.1", port), format, io.headroom.drivers.waveform.SampleEncoding.INT32,
                new double[]{500, 500, 500, 1000, 1000, 1000})) {
            publisher = Thread.ofPlatform().daemon().start(() -> {
                // 50 Hz, L1-L2-L3, 230 V and 100 A RMS, current lagging 10°: 10 ms frames at the stream's pace
                double[][] x = new double[6][48];
                long n = 0;
                long start = System.nanoTime();
                while (!stop.get()) {
                    for (int i = 0; i < 48; i++, n++) {
                        double t = n / 4800.0;
                        for (int k = 0; k < 3; k++) {
                            double a = 2 * Math.PI * 50 * t - k * 2 * Math.PI / 3;
                            x[k][i] = 230 * Math.sqrt(2) * Math.sin(a);
                            x[3 + k][i] = (k == 2 ? l3Sign.get() : 1) * 100 * Math.sqrt(2) * Math.sin(a - Math.toRadians(10));
                        }
                    }
                    try {
                        sender.send(x, 0, 48, start + n * 1_000_000_000L / 4800);
                    } catch (IOException e) {
                        return;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // pacing, not synchronisation
                }
            });
            try {
                Result json = run("stream", "A", "--site", site.toString(), "--for", "600ms", "--json");
                assertThat(json.exit()).as(json.out() + json.err()).isEqualTo(ExitCodes.OK);
                JsonObject o = new JsonObject(json.out().strip());
                assertThat(o.getString("source")).isEqualTo("udp");
                assertThat(o.getLong("samples")).isPositive();
                assertThat(o.getDouble("frequencyHz")).isCloseTo(50, within(0.1));
                assertThat(o.getString("rotation")).isEqualTo("L1-L2-L3");
                assertThat(o.getJsonArray("channels").getJsonObject(0).getDouble("rms")).isCloseTo(230, within(1.0));
                assertThat(o.getJsonArray("channels").getJsonObject(5).getDouble("rms")).isCloseTo(100, within(1.0));
                assertThat(o.getJsonArray("phases").getJsonObject(2).getDouble("powerW"))
                        .isCloseTo(23_000 * Math.cos(Math.toRadians(10)), within(300.0));
                assertThat(o.getJsonArray("warnings")).isEmpty();

                l3Sign.set(-1); // L3's CT the wrong way round
                Result reversed = run("stream", "A", "--site", site.toString(), "--for", "600ms");
                assertThat(reversed.exit()).as(reversed.out() + reversed.err()).isEqualTo(ExitCodes.FAILED);
                assertThat(reversed.out()).contains("rotation L1-L2-L3", "warning: L3: negative active power",
                        "CT polarity reversed");
            } finally {
                stop.set(true);
                publisher.join();
            }
        }
        Result none = run("stream", "B", "--site", site.toString());
        assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("no waveform stream for feed B", "feeds with one: A");
    }

    /**
     * {@code probe stream} over the site file's {@code sv} source: IEC 61869-9 Sampled Values (4800 S/s, two ASDUs a
     * frame) published on {@code lo} through an AF_PACKET socket by this test (its own MAC, APPID and svID), read by
     * the probe exactly as {@code run} opens them; L2 and L3 swapped is a reversed rotation (exit 1). Skipped, with
     * the reason, where raw sockets are not permitted (no CAP_NET_RAW).
     */
    @Test
    void anSvStreamIsHeardWithItsRateRmsFrequencyRotationAndPowerSigns() throws Exception {
        io.headroom.drivers.waveform.sv.AfPacketChannel tx;
        try {
            tx = io.headroom.drivers.waveform.sv.AfPacketChannel.open("lo",
                    io.headroom.drivers.waveform.sv.AfPacketChannel.ETH_P_SV, null, 100);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no raw socket on lo here (" + e.getMessage()
                    + "): AF_PACKET needs CAP_NET_RAW");
            return;
        }
        int r = java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000);
        String mac = String.format("01-0C-CD-04-%02X-%02X", r >> 8, r & 0xff);
        int appId = 0x4000 | (r & 0x3fff);
        String svId = "HRPROBE/" + ProcessHandle.current().pid() + "/" + r;
        Path site = dir.resolve("sv-site.yaml");
        Files.writeString(site, Files.readString(Sites.example4Feed()) + """

                waveforms:
                  streams:
                    - feed: A
                      source: sv
                      interface: lo
                      destination: %s
                      appId: %d
                      svId: "%s"
                      profile: 61869-9-4800
                """.formatted(mac, appId, svId));
        java.util.concurrent.atomic.AtomicBoolean swapped = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        io.headroom.drivers.waveform.sv.SvEncoder enc = new io.headroom.drivers.waveform.sv.SvEncoder(
                io.headroom.drivers.waveform.sv.SvFrames.parseMac(mac),
                io.headroom.drivers.waveform.sv.SvFrames.parseMac("02-00-00-00-48-52"), -1, appId, svId, 1, 2, 4800);
        Thread publisher;
        try (tx) {
            publisher = Thread.ofPlatform().daemon().start(() -> {
                // 60 Hz, 230 V and 100 A RMS, current lagging 10°, in counts of 10 mV and 1 mA; 2 samples a frame
                byte[] frame = new byte[1500];
                int[] values = new int[16];
                int[] quality = new int[16];
                long n = 0;
                long start = System.nanoTime();
                while (!stop.get()) {
                    long due = (System.nanoTime() - start) * 4800 / 1_000_000_000L;
                    for (; n + 2 <= due; n += 2) {
                        for (int a = 0; a < 2; a++) {
                            double t = (n + a) / 4800.0;
                            for (int k = 0; k < 3; k++) {
                                int ph = swapped.get() && k > 0 ? 3 - k : k;
                                double ang = 2 * Math.PI * 60 * t - ph * 2 * Math.PI / 3;
                                values[a * 8 + 4 + k] = (int) Math.round(230 * Math.sqrt(2) * Math.sin(ang) / 0.01);
                                values[a * 8 + k] = (int) Math.round(100 * Math.sqrt(2)
                                        * Math.sin(ang - Math.toRadians(10)) / 0.001);
                            }
                        }
                        try {
                            tx.send(frame, enc.encode(frame, 0, 2, (int) (n % 4800), false, values, quality));
                        } catch (IOException e) {
                            return;
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L); // pacing, not synchronisation
                }
            });
            try {
                Result json = run("stream", "A", "--site", site.toString(), "--for", "600ms", "--json");
                assertThat(json.exit()).as(json.out() + json.err()).isEqualTo(ExitCodes.OK);
                JsonObject o = new JsonObject(json.out().strip());
                assertThat(o.getString("source")).isEqualTo("sv");
                assertThat(o.getDouble("nominalRateHz")).isEqualTo(4800);
                assertThat(o.getLong("samples")).isGreaterThan(1000);
                assertThat(o.getDouble("frequencyHz")).isCloseTo(60, within(0.1));
                assertThat(o.getString("rotation")).isEqualTo("L1-L2-L3");
                assertThat(o.getJsonArray("channels").getJsonObject(0).getDouble("rms")).isCloseTo(230, within(1.0));
                assertThat(o.getJsonArray("channels").getJsonObject(5).getDouble("rms")).isCloseTo(100, within(1.0));
                assertThat(o.getJsonArray("phases").getJsonObject(1).getDouble("powerW"))
                        .isCloseTo(23_000 * Math.cos(Math.toRadians(10)), within(300.0));
                assertThat(o.getJsonArray("warnings")).isEmpty();

                swapped.set(true); // the merging unit's L2 and L3 swapped, PTs and CTs together
                Result reversed = run("stream", "A", "--site", site.toString(), "--for", "600ms");
                assertThat(reversed.exit()).as(reversed.out() + reversed.err()).isEqualTo(ExitCodes.FAILED);
                assertThat(reversed.out()).contains("rotation L1-L3-L2", "phase rotation reversed");
            } finally {
                stop.set(true);
                publisher.join();
            }
        }
    }

    /** The example site with meter-A at {@code meterPort} and bank-A at {@code bankPort} on the loopback. */
    Path site(int meterPort, int bankPort) throws IOException {
        String yaml = Files.readString(Sites.example4Feed())
                .replace("127.0.0.1:15021", "127.0.0.1:" + meterPort)
                .replace("127.0.0.1:15031", "127.0.0.1:" + bankPort);
        Path f = dir.resolve("site.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    static final String[] METER_POINTS = {"voltage-L1", "voltage-L2", "voltage-L3", "current-L1", "current-L2",
            "current-L3", "power-L1", "power-L2", "power-L3", "power-total", "power-factor", "frequency"};

    @Test
    void aMeterIsReadWithItsMapAndItsFeedsAreDerived() throws Exception {
        RegisterMap map = RegisterMap.load("generic-3phase");
        try (MeterSlave slave = new MeterSlave("127.0.0.1", freePort(), 1, map)) {
            slave.set(METER_POINTS, new double[]{230.5, 231, 229.5, 100, 110, 90, 22_000, 24_000, 19_000, 65_000,
                    0.95, 50.01});
            Path site = site(slave.port(), freePort());

            Result text = run("meter", "meter-A", "--site", site.toString());
            assertThat(text.exit()).as(text.err()).isEqualTo(ExitCodes.OK);
            assertThat(text.out()).contains("meter meter-A: ", "generic-3phase", ": OK");
            assertThat(text.out().lines().filter(l -> l.startsWith("current-L2 "))).singleElement()
                    .satisfies(l -> assertThat(l.split("\\s+")).containsSubsequence("current-L2", "110", "A", "GOOD"));
            assertThat(text.out()).contains("feed A ", "current 110 A", "power 65000 W", "frequency 50.01 Hz");

            Result json = run("meter", "meter-A", "--site", site.toString(), "--json");
            assertThat(json.exit()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(json.out().strip());
            assertThat(o.getString("outcome")).isEqualTo("OK");
            assertThat(o.getString("map")).isEqualTo("generic-3phase");
            JsonArray points = o.getJsonArray("points");
            assertThat(points).hasSize(map.points().size());
            JsonObject v1 = points.getJsonObject(0);
            assertThat(v1.getString("name")).isEqualTo("voltage-L1");
            assertThat(v1.getString("unit")).isEqualTo("V");
            assertThat(v1.getString("quality")).isEqualTo("GOOD");
            assertThat(v1.getDouble("value")).isCloseTo(230.5, within(1e-3));
            JsonObject feed = o.getJsonArray("feeds").getJsonObject(0);
            assertThat(feed.getString("feed")).isEqualTo("A");
            assertThat(feed.getString("quality")).isEqualTo("GOOD");
            assertThat(feed.getDouble("currentA")).isCloseTo(110, within(1e-3));
            assertThat(feed.getDouble("powerW")).isCloseTo(65_000, within(1e-3));
            JsonObject l3 = feed.getJsonArray("phases").getJsonObject(2);
            assertThat(l3.getDouble("powerW")).isCloseTo(19_000, within(1e-3));
            assertThat(l3.getString("powerSource")).isEqualTo("meter");
        }
    }

    @Test
    void aMeterOnADeclaredBusIsReadThroughThatBusWithItsUnitId() throws Exception {
        try (MeterSlave gateway = MeterSlave.tcp("127.0.0.1", freePort())) {
            gateway.serve(7, RegisterMap.load("generic-3phase"));
            gateway.unit(7).set(new String[]{"current-L1"}, new double[]{42});
            String yaml = Files.readString(Sites.example4Feed());
            String onBus = yaml.replaceFirst("(?m)^    modbus: 127\\.0\\.0\\.1:15021\n    unitId: 1\\b", "    bus: gw-1\n    unitId: 7")
                    + "\nmodbusBuses:\n  - id: gw-1\n    tcp: 127.0.0.1:" + gateway.port() + "\n    timeout: 500 ms\n";
            assertThat(onBus).contains("bus: gw-1\n    unitId: 7");
            Path site = dir.resolve("bus-site.yaml");
            Files.writeString(site, onBus);
            Result r = run("meter", "meter-A", "--site", site.toString(), "--json");
            assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(r.out().strip());
            assertThat(o.getString("bus")).isEqualTo("gw-1");
            assertThat(o.getInteger("unitId")).isEqualTo(7);
            assertThat(o.getJsonArray("points").getJsonObject(3).getString("name")).isEqualTo("current-L1");
            assertThat(o.getJsonArray("points").getJsonObject(3).getDouble("value")).isCloseTo(42, within(1e-3));
        }
    }

    /** A site's own map in SunSpec's style (as UserRegisterMapEndToEndTest's): scale registers, 0x8000 = not implemented. */
    static final String SUNSPEC_STYLE = """
            @source,test: a meter in the style of SunSpec model 203 at 40100
            @notImplemented,sunspec
            current-L1,A,3,40100,int16,ABCD,sf:A_SF
            current-L2,A,3,40101,int16,ABCD,sf:A_SF
            current-L3,A,3,40102,int16,ABCD,sf:A_SF
            A_SF,,3,40103,sunssf
            voltage-L1,V,3,40104,uint16,ABCD,sf:V_SF
            voltage-L2,V,3,40105,uint16,ABCD,sf:V_SF
            voltage-L3,V,3,40106,uint16,ABCD,sf:V_SF
            V_SF,,3,40107,sunssf
            power-total,W,3,40108,int32,BADC,sf:W_SF
            power-L1,W,3,40110,int16,ABCD,sf:W_SF
            power-L2,W,3,40111,int16,ABCD,sf:W_SF
            power-L3,W,3,40112,int16,ABCD,sf:W_SF
            W_SF,,3,40113,sunssf
            power-factor-L1,,3,40114,int16,ABCD,sf:PF_SF*0.01
            power-factor-L2,,3,40115,int16,ABCD,sf:PF_SF*0.01
            power-factor-L3,,3,40116,int16,ABCD,sf:PF_SF*0.01
            PF_SF,,3,40117,sunssf
            """;

    @Test
    void pointsTheDeviceMarksNotImplementedAreAbsentAndPhasePowerIsDerivedOrUnknown() throws Exception {
        Files.writeString(dir.resolve("b.csv"), SUNSPEC_STYLE);
        try (MeterSlave slave = MeterSlave.tcp("127.0.0.1", freePort())) {
            slave.serve(1, null).setWords(3, 40100, new int[]{
                    1234, 1000, 987, 0xFFFF,          // A x 10^-1
                    2300, 2310, 2290, 0xFFFF,         // V x 10^-1
                    0x0000, 0x7017,                   // W total 6000, bytes swapped
                    0x8000, 0x8000, 0x8000, 1,        // W per phase: not implemented; W_SF 10^1
                    98, 0xFFFF & -95, 0x8000, 0});    // PF %: 0.98, -0.95, not implemented
            String yaml = Files.readString(Sites.example4Feed()).replaceFirst(
                    "(?m)^    profile: generic-3phase.*\n    modbus: 127\\.0\\.0\\.1:15021\n",
                    "    registerMap: b.csv\n    modbus: 127.0.0.1:" + slave.port() + "\n");
            assertThat(yaml).contains("registerMap: b.csv");
            Path site = dir.resolve("sunspec-style.yaml");
            Files.writeString(site, yaml);
            Result r = run("meter", "meter-A", "--site", site.toString(), "--json");
            assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(r.out().strip());
            JsonObject pL1 = o.getJsonArray("points").stream().map(JsonObject.class::cast)
                    .filter(p -> p.getString("name").equals("power-L1")).findFirst().orElseThrow();
            assertThat(pL1.getString("quality")).isEqualTo("NOT_IMPLEMENTED");
            assertThat(pL1.containsKey("value")).isTrue();
            assertThat(pL1.getValue("value")).isNull();
            JsonArray phases = o.getJsonArray("feeds").getJsonObject(0).getJsonArray("phases");
            assertThat(phases.getJsonObject(0).getString("powerSource")).isEqualTo("derived");
            assertThat(phases.getJsonObject(0).getDouble("powerW")).isCloseTo(230 * 123.4 * 0.98, within(0.5));
            assertThat(phases.getJsonObject(2).getValue("powerW")).isNull();
            assertThat(phases.getJsonObject(2).getString("powerSource")).isNull();
            Result text = run("meter", "meter-A", "--site", site.toString());
            assertThat(text.out()).containsPattern("(?m)^power-L1 +- +W +NOT_IMPLEMENTED");
        }
    }

    @Test
    void aMeterAnsweringWithExceptionsFailsWithExitOne() throws Exception {
        try (MeterSlave slave = new MeterSlave("127.0.0.1", freePort(), 1, RegisterMap.load("generic-3phase"))) {
            slave.unit(1).failing(true);
            Result r = run("meter", "meter-A", "--site", site(slave.port(), freePort()).toString(), "--json");
            assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
            JsonObject o = new JsonObject(r.out().strip());
            assertThat(o.getString("outcome")).isEqualTo("FAILED");
            assertThat(o.getString("error")).contains("exception code 2");
            assertThat(o.getJsonArray("points").getJsonObject(0).getString("quality")).isEqualTo("ERROR");
        }
    }

    @Test
    void anUnreachableMeterExitsThree() throws Exception {
        Result r = run("meter", "meter-A", "--site", site(freePort(), freePort()).toString(), "--json");
        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        JsonObject o = new JsonObject(r.out().strip());
        assertThat(o.getString("outcome")).isEqualTo("UNREACHABLE");
        assertThat(o.getString("error")).isNotBlank();
        assertThat(r.err()).contains("unreachable");
    }

    @Test
    void anUnknownIdIsAUsageErrorNamingTheSitesIds() throws Exception {
        Path site = site(freePort(), freePort());
        Result meter = run("meter", "meter-Z", "--site", site.toString());
        assertThat(meter.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(meter.err()).contains("no meter meter-Z", "meter-A", "meter-B");
        Result bank = run("bank", "meter-A", "--site", site.toString());
        assertThat(bank.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bank.err()).contains("no supercap bank meter-A", "bank-A", "bank-B");
        Result typo = run("meter", "meter-A", "--sit", site.toString());
        assertThat(typo.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).contains("--site");
    }

    @Test
    void aBankIsReadWithItsStateAndLimits() throws Exception {
        RegisterMap map = RegisterMap.load("supercap-generic");
        try (MeterSlave slave = new MeterSlave("127.0.0.1", freePort(), 1, map)) {
            slave.set(new String[]{"soc", "voltage", "temperature"}, new double[]{80, 700, 31});
            Result r = run("bank", "bank-A", "--site", site(freePort(), slave.port()).toString(), "--json");
            assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
            JsonObject o = new JsonObject(r.out().strip());
            assertThat(o.getString("kind")).isEqualTo("bank");
            assertThat(o.getJsonArray("points")).hasSize(map.points().size());
            JsonObject bank = o.getJsonObject("bank");
            assertThat(bank.getString("feed")).isEqualTo("A");
            assertThat(bank.getDouble("socPercent")).isCloseTo(80, within(1e-3));
            assertThat(bank.getDouble("voltageV")).isCloseTo(700, within(1e-3));
            assertThat(bank.getDouble("maxDischargeW")).isEqualTo(50_000);
            assertThat(bank.getString("unfit")).isNull();

            Result text = run("bank", "bank-A", "--site", site(freePort(), slave.port()).toString());
            assertThat(text.exit()).isEqualTo(ExitCodes.OK);
            assertThat(text.out()).contains("bank bank-A on feed A: SoC 80 %", "limits: charge 50000 W");
        }
    }
}
