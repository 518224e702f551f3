package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.drivers.modbus.WordOrder;
import io.headroom.testsupport.Sites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registerMap:} for a meter or a bank: a map file of the site's own, relative to the site file. The site is
 * {@code sites/minimal-2feed.yaml} written to a folder as {@code site.yaml}: meter mA's {@code profile} is line 35,
 * bank capA's keys run to line 48.
 */
class SiteLoaderRegisterMapTest {

    @TempDir
    Path dir;
    Path site;

    @BeforeEach
    void em24() throws Exception {
        Files.createDirectories(dir.resolve("maps"));
        Files.copy(Sites.dir().resolve("maps/carlo-gavazzi-em24.csv"), dir.resolve("maps/em24.csv"));
        site = dir.resolve("site.yaml");
    }

    private Site load(String text) throws Exception {
        Files.writeString(site, text, StandardCharsets.UTF_8);
        return SiteLoader.load(site);
    }

    /** The errors of a site that must be rejected, as {@code file:line:column: field: reason}. */
    private List<String> errors(String text) throws Exception {
        Files.writeString(site, text, StandardCharsets.UTF_8);
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class, () -> SiteLoader.load(site));
        assertThat(e).as("expected the site to be rejected").isNotNull();
        return e.errors().stream().map(SiteError::toString)
                .map(s -> s.replace(dir.toString() + "/", "")).toList();
    }

    private static String meterA(String with) throws Exception {
        String b = base();
        assertThat(b).contains("    profile: generic-3phase\n    modbus: 127.0.0.1:15021\n");
        return b.replaceFirst("    profile: generic-3phase\n    modbus: 127.0.0.1:15021\n",
                with + "    modbus: 127.0.0.1:15021\n");
    }

    @Test
    void aMeterReadWithTheSitesOwnMap() throws Exception {
        Site s = load(meterA("    registerMap: maps/em24.csv\n"));
        Meter m = s.meter("mA").orElseThrow();
        assertThat(m.profile()).isEqualTo("maps/em24.csv");
        RegisterMap map = m.map();
        assertThat(map).isSameAs(m.registerMap());
        assertThat(map.profile()).isEqualTo(dir.resolve("maps/em24.csv").toString());
        assertThat(map.points().get(map.indexOf("current-L1")).order()).isEqualTo(WordOrder.LOW_FIRST);
        assertThat(map.blocks()).containsExactly(new RegisterMap.Block(4, 0, 0x36));
        // the other meter keeps its shipped profile
        assertThat(s.meter("mB").orElseThrow().registerMap()).isNull();
        assertThat(s.meter("mB").orElseThrow().map().profile()).isEqualTo("generic-3phase");
    }

    @Test
    void aMissingMapIsReportedWhereTheSiteFileNamesIt() throws Exception {
        assertThat(errors(meterA("    registerMap: maps/nope.csv\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map 'maps/nope.csv' not found (looked for maps/nope.csv)");
        Files.createDirectories(dir.resolve("maps/adir.csv"));
        assertThat(errors(meterA("    registerMap: maps/adir.csv\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map 'maps/adir.csv' is not a file (maps/adir.csv)");
        // a device file is not read (it could be endless)
        assertThat(errors(meterA("    registerMap: /dev/zero\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map '/dev/zero' is not a file (/dev/zero)");
        Files.write(dir.resolve("maps/big.csv"), new byte[(int) RegisterMapFile.MAX_BYTES + 1]);
        assertThat(errors(meterA("    registerMap: maps/big.csv\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map 'maps/big.csv' is larger than 1024 KiB "
                        + "(maps/big.csv)");
        Files.writeString(dir.resolve("maps/unreadable.csv"), "x,V,3,0,u16\n");
        if (dir.resolve("maps/unreadable.csv").toFile().setReadable(false) && !Files.isReadable(dir.resolve("maps/unreadable.csv"))) {
            assertThat(errors(meterA("    registerMap: maps/unreadable.csv\n"))).singleElement().asString()
                    .startsWith("site.yaml:35:18: meters[0].registerMap: cannot read register map 'maps/unreadable.csv'");
        }
    }

    @Test
    void problemsInsideTheMapNameItsFileLineColumnAndField() throws Exception {
        Files.writeString(dir.resolve("maps/bad.csv"), """
                # a meter
                current-L1,A,3,0,int32,CADB,0.001
                current-L2,A,3,2,int32,CDAB,0.001
                current-L3,A,3,4,int32,CDAB,0.001,+,r,maybe
                power-total,W,3,5,int32,CDAB,0.1
                """, StandardCharsets.UTF_8);
        assertThat(errors(meterA("    registerMap: maps/bad.csv\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map 'maps/bad.csv' has 2 problems (reported at "
                        + "maps/bad.csv)",
                "maps/bad.csv:2:24: order: order must be ABCD, CDAB, BADC or DCBA (or hi, lo), got 'CADB'",
                "maps/bad.csv:4:39: notImplemented: notImplemented must be sunspec, none or a raw value (decimal or 0x "
                        + "hex), got 'maybe'");
        // once those are right, the rules across points: the overlap is reported at the point's address
        Files.writeString(dir.resolve("maps/bad.csv"), """
                current-L1,A,3,0,int32,CDAB,0.001
                current-L2,A,3,2,int32,CDAB,0.001
                current-L3,A,3,4,int32,CDAB,0.001
                power-total,W,3,5,int32,CDAB,0.1
                """, StandardCharsets.UTF_8);
        assertThat(errors(meterA("    registerMap: maps/bad.csv\n"))).contains(
                "maps/bad.csv:4:17: address: points current-L3 and power-total overlap at register 5");
    }

    @Test
    void aMeterMapMustGiveWhatAFeedNeeds() throws Exception {
        Files.writeString(dir.resolve("maps/v.csv"), "voltage-L1,V,3,0,f32\ncurrent-L1,A,3,2,f32\n");
        assertThat(errors(meterA("    registerMap: maps/v.csv\n"))).containsExactly(
                "site.yaml:35:18: meters[0].registerMap: register map 'maps/v.csv' lacks points current-L2, current-L3, "
                        + "power-total (a meter needs current-L1, current-L2, current-L3, power-total)");
    }

    @Test
    void profileOrRegisterMapNotBothAndOneOfThem() throws Exception {
        assertThat(errors(meterA("    profile: generic-3phase\n    registerMap: maps/em24.csv\n"))).containsExactly(
                "site.yaml:36:18: meters[0].registerMap: give profile or registerMap, not both");
        assertThat(errors(meterA(""))).containsExactly("site.yaml:34:5: meters[0].profile: missing required key");
        assertThat(errors(meterA("    profile: em24\n"))).singleElement().asString().endsWith(
                "(or registerMap: a map file of the site's own)");
    }

    @Test
    void aBankReadWithTheSitesOwnMap() throws Exception {
        Files.writeString(dir.resolve("maps/bank.csv"), """
                # a converter that sends its 32-bit values byte-swapped little-endian
                soc,%,3,0,u16,BA,0.1
                voltage,V,3,1,u16,BA,0.1
                current,A,3,2,s16,BA,0.1
                temperature,degC,3,3,s16,BA,0.1
                converter-state,,3,4,u16,BA
                alarms,,3,5,bitfield16,BA
                power,W,3,6,s32,DCBA
                mode,,3,8,u16,BA,1,+,rw
                power-setpoint,W,3,9,s32,DCBA,1,+,rw
                """, StandardCharsets.UTF_8);
        String b = base().replace("    modbus: 127.0.0.1:15031\n", "    modbus: 127.0.0.1:15031\n    registerMap: maps/bank.csv\n");
        SupercapBank bank = load(b).supercaps().getFirst();
        assertThat(bank.profile()).isEqualTo("maps/bank.csv");
        assertThat(bank.map().points().get(bank.map().indexOf("power")).order()).isEqualTo(WordOrder.LOW_FIRST_BYTE_SWAP);
        // a bank's map must let the driver write its mode and setpoint
        Files.writeString(dir.resolve("maps/bank.csv"), Files.readString(dir.resolve("maps/bank.csv")).replace(",rw", ",r"));
        assertThat(errors(b)).containsExactly("site.yaml:49:18: supercaps[0].registerMap: register map 'maps/bank.csv' "
                + "must declare mode and power-setpoint writable (rw)");
        // a meter's map is no bank's
        String c = base().replace("    modbus: 127.0.0.1:15031\n", "    modbus: 127.0.0.1:15031\n    registerMap: maps/em24.csv\n");
        assertThat(errors(c)).singleElement().asString().contains("register map 'maps/em24.csv' lacks points soc, ");
    }
}
