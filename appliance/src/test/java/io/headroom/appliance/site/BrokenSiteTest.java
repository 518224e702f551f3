package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** {@code src/test/resources/sites/broken-4feed.yaml}: a copy of the example with several errors, all reported. */
class BrokenSiteTest {

    @Test
    void reportsEveryErrorWithItsLine() throws Exception {
        Path file = Path.of(BrokenSiteTest.class.getResource("/sites/broken-4feed.yaml").toURI());
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class,
                () -> SiteLoader.load(file));
        assertThat(e).isNotNull();
        assertThat(e.errors()).allSatisfy(er -> assertThat(er.file()).isEqualTo(file.toString()));
        assertThat(e.errors()).extracting(er -> er.line() + ":" + er.column() + ": " + er.field() + ": " + er.reason())
                .containsExactly(
                        "33:13: feeds[0].rating: needs a unit: 150 A",
                        "43:5: feeds[1].deratng: unknown key 'deratng'; did you mean 'derating'?",
                        "52:14: feeds[2].voltage: expected a voltage in V or kV, got \"415 A\"",
                        "58:13: feeds[3].rating: must be greater than 0, got \"0 A\"",
                        "105:14: racks[2].nodes[3].id: duplicate node id 'r3-n3' (first at line 104)",
                        "147:12: racks[6].group: unknown group 'hall-2', so the rack's 8 nodes are in no redundancy"
                                + " group; did you mean 'hall-1'?",
                        "188:13: meters[2].unitId: Modbus unit id must be 1..247, got 300",
                        "234:11: control.margin: must be at least 0 % and below 50 %, got \"60 %\"");
        assertThat(e.getMessage().lines()).hasSize(8);
    }
}
