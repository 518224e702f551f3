package io.headroom.appliance.campus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.CampusLoader;
import io.headroom.appliance.site.SiteValidationException;
import io.headroom.testsupport.Sites;

/** The campus file: the shipped example, and each error as {@code file:line:column: field: reason}. */
class CampusLoaderTest {

    static final String BASE = """
            campus:
              name: t
              importLimit: 300 kW
              rampLimit: 50 kW/s
            appliances:
              - {id: a, site: campus-lineup-a.yaml, staticShare: 90 kW}
              - {id: b, site: campus-lineup-b.yaml, staticShare: 90 kW}
            etcd:
              endpoints: [127.0.0.1:2379, 127.0.0.1:22379]
              leaseTtl: 3 s
              round: 1 s
            """;

    @Test
    void theExampleCampusLoads() throws Exception {
        Campus c = CampusLoader.load(Sites.dir().resolve("example-campus.yaml"));
        assertThat(c.name()).isEqualTo("example-campus");
        assertThat(c.importLimitW()).isEqualTo(300_000);
        assertThat(c.rampLimitWps()).isEqualTo(50_000);
        assertThat(c.appliances()).extracting(Campus.Member::id).containsExactly("lineup-a", "lineup-b", "lineup-c");
        assertThat(c.staticSharesW()).isEqualTo(270_000);
        assertThat(c.appliances().getFirst().site().nodes()).hasSize(16);
        assertThat(c.etcd().endpoints()).hasSize(3);
        assertThat(c.etcd().leaseTtlMs()).isEqualTo(3000);
        assertThat(c.etcd().budgetTtlMs()).as("7 rounds of 1 s: more than 2 × the 3 s lease").isEqualTo(7000);
        assertThat(c.etcd().roundMs()).isEqualTo(1000);
        assertThat(c.etcd().tls()).isNull();
        assertThat(c.openadr().enabled()).isFalse();
    }

    static List<String> errorsOf(String text) {
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class,
                () -> CampusLoader.parse("c.yaml", text, Sites.dir()));
        assertThat(e).as("expected the campus to be rejected").isNotNull();
        return e.errors().stream().map(Object::toString).toList();
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                Arguments.of("  - {id: b, site: campus-lineup-b.yaml, staticShare: 90 kW}",
                        "  - {id: b, site: campus-lineup-b.yaml, staticShare: 220 kW}",
                        List.of("c.yaml:7:54: appliances[1].staticShare: the static shares sum to 310000 W, above the "
                                + "campus import limit of 300000 W: without etcd the appliances together could import "
                                + "more than the connection allows")),
                Arguments.of("  - {id: b,", "  - {id: a,",
                        List.of("c.yaml:7:10: appliances[1].id: duplicate appliance id 'a' (first at line 6)")),
                Arguments.of("  importLimit: 300 kW", "  importLimit: 300 A",
                        List.of("c.yaml:3:16: campus.importLimit: expected a power in W, kW or MW, got \"300 A\"")),
                Arguments.of("site: campus-lineup-b.yaml", "site: nowhere.yaml",
                        List.of("c.yaml:7:19: appliances[1].site: no such site file: " + Sites.dir().resolve("nowhere.yaml"))),
                Arguments.of("  leaseTtl: 3 s", "  leaseTtl: 1500 ms",
                        List.of("c.yaml:10:13: etcd.leaseTtl: etcd leases are whole seconds, at least 1 s; got \"1500 ms\"")),
                Arguments.of("  round: 1 s", "  round: 4 s",
                        List.of("c.yaml:11:10: etcd.round: must be shorter than the lease TTL (3000 ms), got \"4 s\"")),
                Arguments.of("  round: 1 s", "  round: 1 s\n  budgetTtl: 2 s",
                        List.of("c.yaml:12:14: etcd.budgetTtl: must be at least the lease TTL plus a round (4000 ms): "
                                + "shorter, every coordinator failover drops the appliances to their static shares; got \"2 s\"")),
                Arguments.of("  round: 1 s", "  round: 1 s\n  budgetTtl: 6 s",
                        List.of("c.yaml:12:14: etcd.budgetTtl: must be at least 7 rounds (7000 ms): an appliance cut "
                                + "off from etcd holds its budget this long, then its static share; the others must be "
                                + "lowered first (the coordinator calls it silent after 2.5 rounds unheard, writes the "
                                + "next round, the others read it within a quarter round); got \"6 s\"")),
                Arguments.of("127.0.0.1:22379", "10.0.0.2:2379",
                        List.of("c.yaml:9:31: etcd.endpoints[1]: etcd beyond the loopback needs TLS: give tlsCa (and "
                                + "tlsCert, tlsKey for client certificates)")),
                Arguments.of("127.0.0.1:22379", "127.0.0.1:2379",
                        List.of("c.yaml:9:31: etcd.endpoints[1]: duplicate endpoint 127.0.0.1:2379 (first at line 9)")),
                Arguments.of("  round: 1 s", "  round: 1 s\n  tlsCert: x.pem",
                        List.of("c.yaml:9:3: etcd.tlsKey: tlsCert and tlsKey go together (a client certificate)",
                                "c.yaml:9:3: etcd.tlsCa: required with a client certificate (the CA that signed the members')")),
                Arguments.of("  name: t", "  name: t/x",
                        List.of("c.yaml:2:9: campus.name: letters, digits, '.', '_' and '-' only (it names etcd keys), got \"t/x\"")),
                Arguments.of("etcd:", "etc:",
                        List.of("c.yaml:1:1: etcd: missing required key",
                                "c.yaml:8:1: etc: unknown key 'etc'; did you mean 'etcd'?")));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("broken")
    void everyErrorNamesItsPlace(String old, String replacement, List<String> expected) {
        assertThat(BASE).contains(old);
        assertThat(errorsOf(BASE.replace(old, replacement))).containsExactlyElementsOf(expected);
    }

    @Test
    void aLineupSiteFileThatDoesNotValidateIsReportedInItsOwnName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), "site:\n  name: x\n  frequency: 55 Hz\n");
        Files.copy(Sites.dir().resolve("campus-lineup-a.yaml"), dir.resolve("campus-lineup-a.yaml"));
        Files.copy(Sites.dir().resolve("campus-lineup-b.yaml"), dir.resolve("campus-lineup-b.yaml"));
        SiteValidationException e = catchThrowableOfType(SiteValidationException.class, () -> CampusLoader.parse(
                "c.yaml", BASE.replace("campus-lineup-b.yaml", "bad.yaml"), dir));
        List<String> errors = e.errors().stream().map(Object::toString).toList();
        assertThat(errors.getFirst()).startsWith("c.yaml:7:19: appliances[1].site: the site file bad.yaml does not validate (");
        assertThat(errors).anySatisfy(s -> assertThat(s).startsWith(dir.resolve("bad.yaml") + ":3:14: site.frequency: must be 50 Hz or 60 Hz"));
    }
}
