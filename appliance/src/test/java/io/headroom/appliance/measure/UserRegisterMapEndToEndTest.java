package io.headroom.appliance.measure;

import static io.headroom.appliance.site.SiteLoaderTestAccess.minimalSite;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.api.SiteJson;
import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.modbus.MeterSlave;
import io.headroom.drivers.modbus.Quality;
import io.headroom.testsupport.Sites;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two meters read with maps of the site's own, end to end: the site file names the map files, the appliance's buses
 * read two real Modbus TCP servers (j2mod, each seeded with registers written out by hand in the device's layout,
 * not through our encoder) and the measurement pipeline turns the readings into feeds and phases.
 * <ul>
 * <li>feed A's meter is a Carlo Gavazzi EM24, read with {@code sites/maps/carlo-gavazzi-em24.csv} (int32 low word
 * first in value weights, input registers, a negative current and power on L3);
 * <li>feed B's meter speaks SunSpec's style (int16 with scale registers, a byte-swapped int32 total) and marks its
 * per-phase powers, and L3's power factor, "not implemented" (0x8000): L1 and L2 powers are derived as V·I·|PF|,
 * L3's is unknown, and the API shows it as null, never 0.
 * </ul>
 */
class UserRegisterMapEndToEndTest {

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

    @TempDir
    Path dir;

    /** An int32 as two registers, least significant word first (CDAB). */
    static int[] cdab(int v) {
        return new int[]{v & 0xFFFF, (v >>> 16) & 0xFFFF};
    }

    static int s16(int v) {
        return v & 0xFFFF;
    }

    static int port() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The EM24's registers 0000h..0035h as the meter sends them. */
    static int[] em24Words() {
        int[] w = new int[0x36];
        int[][] int32s = {
                {0x00, 2301}, {0x02, 2310}, {0x04, 2295},          // V L-N x10: 230.1, 231.0, 229.5
                {0x06, 3986}, {0x08, 3990}, {0x0A, 3979},          // V L-L x10
                {0x0C, 12345}, {0x0E, 10000}, {0x10, -500},        // A x1000: 12.345, 10, -0.5
                {0x12, 28005}, {0x14, 23000}, {0x16, -1100},       // W x10: 2800.5, 2300, -110
                {0x28, 49905}, {0x2A, 51000}, {0x2C, 8000},        // W, VA, var sys x10
                {0x34, 12345},                                      // kWh(+) x10: 1234.5 kWh
        };
        for (int[] a : int32s) {
            System.arraycopy(cdab(a[1]), 0, w, a[0], 2);
        }
        w[0x2E] = s16(987);   // PF L1 x1000
        w[0x2F] = s16(1000);
        w[0x30] = s16(-200);
        w[0x31] = s16(978);
        w[0x32] = 0;          // phase sequence
        w[0x33] = s16(500);   // Hz x10
        return w;
    }

    /** The SunSpec-style meter's registers 40100..40117. */
    static int[] sunSpecStyleWords() {
        return new int[]{
                s16(1234), s16(1000), s16(987), s16(-1),          // A x 10^-1: 123.4, 100, 98.7
                2300, 2310, 2290, s16(-1),                        // V x 10^-1: 230, 231, 229
                0x0000, 0x7017,                                   // W total 6000 (0x00001770), bytes swapped (BADC)
                0x8000, 0x8000, 0x8000, s16(1),                   // W per phase: not implemented; W_SF 10^1
                s16(98), s16(-95), 0x8000, s16(0),                // PF %: 0.98, -0.95 (leading), not implemented
        };
    }

    @Test
    void metersReadWithTheSitesOwnMapsThroughTheSiteFile() throws Exception {
        Files.createDirectories(dir.resolve("maps"));
        Files.copy(Sites.dir().resolve("maps/carlo-gavazzi-em24.csv"), dir.resolve("maps/em24.csv"));
        Files.writeString(dir.resolve("b.csv"), SUNSPEC_STYLE, StandardCharsets.UTF_8);
        try (MeterSlave em24 = MeterSlave.tcp("127.0.0.1", port())) {
            em24.serve(1, null).setWords(4, 0, em24Words());
            try (MeterSlave other = MeterSlave.tcp("127.0.0.1", port())) {
                other.serve(7, null).setWords(3, 40100, sunSpecStyleWords());
                String text = minimalSite()
                        .replace("    profile: generic-3phase\n    modbus: 127.0.0.1:15021\n",
                                "    registerMap: maps/em24.csv\n    modbus: 127.0.0.1:" + em24.port() + "\n")
                        .replace("    profile: generic-3phase\n    modbus: 127.0.0.1:15022\n",
                                "    registerMap: b.csv\n    modbus: 127.0.0.1:" + other.port() + "\n    unitId: 7\n");
                Path siteFile = dir.resolve("site.yaml");
                Files.writeString(siteFile, text, StandardCharsets.UTF_8);
                Site site = SiteLoader.load(siteFile);
                Clocks clocks = Clocks.system();
                try (MeasurementPipeline pipeline = new MeasurementPipeline(site, ModbusBuses.of(site, clocks, false))) {
                    pipeline.start();
                    // both meters read (asked of the meters, not of measure(), whose repeat detector would count)
                    await().atMost(Duration.ofSeconds(10)).until(() -> List.of("mA", "mB").stream().allMatch(
                            id -> pipeline.reading(id, clocks.nanos()).quality() == Quality.GOOD));
                    long now = clocks.nanos();
                    Map<String, FeedMeasurement> feeds = pipeline.measure(now);
                    assertThat(feeds.values()).extracting(FeedMeasurement::quality)
                            .containsOnly(MeasurementQuality.GOOD);
                    Map<String, FeedPhases> phases = pipeline.phases(now);

                    assertThat(feeds.get("A").currentA()).isCloseTo(12.345, within(1e-9));
                    assertThat(feeds.get("A").powerW()).isCloseTo(4990.5, within(1e-9));
                    FeedPhases a = phases.get("A");
                    assertThat(a.voltageV()).containsExactly(new double[]{230.1, 231.0, 229.5}, within(1e-9));
                    assertThat(a.currentA()).containsExactly(new double[]{12.345, 10, -0.5}, within(1e-9));
                    assertThat(a.powerW()).containsExactly(new double[]{2800.5, 2300, -110}, within(1e-9));
                    assertThat(a.powerSource()).containsOnly(FeedPhases.METER);
                    assertThat(a.powerFactor()).containsExactly(new double[]{0.987, 1.0, -0.2}, within(1e-9));
                    assertThat(a.frequencyHz()).isCloseTo(50.0, within(1e-9));
                    assertThat(pipeline.reading("mA", now).value("energy-import")).isCloseTo(1_234_500, within(1e-6));

                    assertThat(feeds.get("B").currentA()).isCloseTo(123.4, within(1e-9));
                    assertThat(feeds.get("B").powerW()).isCloseTo(60_000, within(1e-9));
                    FeedPhases b = phases.get("B");
                    assertThat(b.powerSource()).containsExactly(FeedPhases.DERIVED, FeedPhases.DERIVED, null);
                    assertThat(b.powerW()[0]).isCloseTo(230 * 123.4 * 0.98, within(1e-6));
                    assertThat(b.powerW()[1]).isCloseTo(231 * 100 * 0.95, within(1e-6));
                    assertThat(b.powerW()[2]).isNaN();
                    assertThat(b.powerFactor()[2]).isNaN();

                    // what the operator sees: the unknown power is null (not 0.0) and each power says where it is from
                    JsonObject json = SiteJson.site(site, new SiteState(1, Instant.now(), 100, feeds, Map.of(), Map.of(),
                            List.of(), List.of(), Map.of(), Map.of(), phases));
                    JsonArray lines = json.getJsonArray("feeds").getJsonObject(1).getJsonObject("phases")
                            .getJsonArray("lines");
                    assertThat(lines.getJsonObject(0).getString("powerSource")).isEqualTo("derived");
                    assertThat(lines.getJsonObject(2).containsKey("powerW")).isTrue();
                    assertThat(lines.getJsonObject(2).getValue("powerW")).isNull();
                    assertThat(lines.getJsonObject(2).getValue("powerFactor")).isNull();
                    assertThat(json.getJsonArray("feeds").getJsonObject(0).getJsonObject("phases").getJsonArray("lines")
                            .getJsonObject(2).getDouble("powerW")).isEqualTo(-110.0);
                }
            }
        }
    }
}
