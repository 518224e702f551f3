package io.headroom.hil.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

/** The benchmark takes the package's JVM options from the package's own files. */
class ProductionFlagsTest {

    @Test
    void theLaunchersOptionsAndTheDefaultFilesJavaOptsAreRead() {
        ProductionFlags f = ProductionFlags.parse("""
                #!/bin/sh
                # comment
                exec /usr/lib/headroom/runtime/bin/java ${HEADROOM_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \\
                  -Djava.net.preferIPv4Stack=true -cp '/usr/lib/headroom/lib/*' io.headroom.image.ApplianceService "$@"
                """, """
                # JVM options.
                HEADROOM_SITE=/etc/headroom/site.yaml
                HEADROOM_JAVA_OPTS="-Xmx96m  -XX:+UseSerialGC -XX:SharedArchiveFile=/var/lib/headroom/appliance.jsa"
                """);
        assertThat(f.launcher()).containsExactly("--enable-native-access=ALL-UNNAMED", "-Djava.net.preferIPv4Stack=true");
        assertThat(f.javaOpts()).containsExactly("-Xmx96m", "-XX:+UseSerialGC",
                "-XX:SharedArchiveFile=/var/lib/headroom/appliance.jsa");
        assertThat(f.options(f.javaOpts(), Path.of("/tmp/fp/shipped"))).containsExactly(
                "--enable-native-access=ALL-UNNAMED", "-Djava.net.preferIPv4Stack=true", "-Xmx96m", "-XX:+UseSerialGC",
                "-XX:SharedArchiveFile=/tmp/fp/shipped/appliance.jsa");
    }

    @Test
    void aFileWithoutTheOptionsSaysWhichAndWhat() {
        assertThatThrownBy(() -> ProductionFlags.parse("exec java ${HEADROOM_JAVA_OPTS:-} -cp x Main", "HEADROOM_SITE=x\n"))
                .hasMessageContaining("headroom-appliance.default").hasMessageContaining("HEADROOM_JAVA_OPTS");
        assertThatThrownBy(() -> ProductionFlags.parse("exec java -cp x Main", "HEADROOM_JAVA_OPTS=\"-Xmx1m\"\n"))
                .hasMessageContaining("image-build/src/files/appliance/headroom-appliance:");
    }

    @Test
    void thePackagesOwnFilesParse() throws Exception {
        ProductionFlags f = ProductionFlags.read(Path.of("..").toAbsolutePath().normalize());
        assertThat(f.launcher()).contains("-Djava.net.preferIPv4Stack=true");
        assertThat(f.javaOpts()).anyMatch(o -> o.startsWith("-Xmx"));
        assertThat(f.javaOpts()).anyMatch(o -> List.of("-XX:+UseSerialGC", "-XX:+UseParallelGC", "-XX:+UseG1GC",
                "-XX:+UseZGC", "-XX:+UseShenandoahGC").contains(o));
    }
}
