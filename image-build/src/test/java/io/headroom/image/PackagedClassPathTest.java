package io.headroom.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jars the appliance's .deb ships (lib/appliance: image-build's runtime dependencies, as the -Pimage
 * {@code appliance-lib} execution copies them) hold no bench part: neither the bench VTNs nor Pi4J's mock plugin.
 * The list is the one the build writes into {@code target/appliance-lib.txt} with the same scope and exclusion.
 */
class PackagedClassPathTest {

    /** What must never ship: artifacts by id, and classes by package folder (wherever they would come from). */
    static final List<String> BENCH_ARTIFACTS = List.of("headroom-bench-vtn", "headroom-hil-tests", "pi4j-plugin-mock");
    static final List<String> BENCH_PACKAGES = List.of("io/headroom/grid/vtn/", "io/headroom/hil/", "com/pi4j/plugin/mock/");

    record Entry(String groupId, String artifactId, String scope, Path file) {
    }

    /** Parses maven-dependency-plugin's list output ({@code group:artifact:type:version:scope:/abs/path -- module m}). */
    static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.replaceAll("\u001B\\[[0-9;]*m", "").trim();
            int module = line.indexOf(" -- module");
            if (module >= 0) {
                line = line.substring(0, module);
            }
            String[] f = line.split(":", 6);
            if (f.length == 6 && !line.startsWith("The following")) {
                out.add(new Entry(f[0], f[1], f[4], Path.of(f[5])));
            }
        }
        return out;
    }

    /** The class-file entries of a jar or a classes folder that lie under one of {@code packages}. */
    static List<String> benchClasses(Path file, List<String> packages) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(file)) {
            try (Stream<Path> s = Files.walk(file)) {
                s.filter(Files::isRegularFile).forEach(p -> names.add(file.relativize(p).toString().replace('\\', '/')));
            }
        } else {
            try (JarFile jar = new JarFile(file.toFile())) {
                jar.stream().map(JarEntry::getName).forEach(names::add);
            }
        }
        return names.stream().filter(n -> n.endsWith(".class") && packages.stream().anyMatch(n::startsWith)).toList();
    }

    @Test
    void theAppliancesRuntimeClassPathHoldsNoBenchVtnAndNoMockPlugin() throws Exception {
        Path list = Path.of("target", "appliance-lib.txt");
        assertThat(list).as("written by maven-dependency-plugin's appliance-lib-list execution").isRegularFile();
        List<Entry> entries = parse(Files.readAllLines(list));

        assertThat(entries).extracting(Entry::artifactId)
                .as("the list is the appliance's: the firmware and its real GPIO providers are in it")
                .contains("headroom-appliance", "headroom-grid-interface", "headroom-gpio", "pi4j-core", "pi4j-plugin-gpiod",
                        "pi4j-plugin-linuxfs")
                .doesNotContainAnyElementsOf(BENCH_ARTIFACTS)
                .noneMatch(a -> a.contains("mock"));
        assertThat(entries).extracting(Entry::scope).containsOnly("compile", "runtime");
        for (Entry e : entries) {
            assertThat(benchClasses(e.file(), BENCH_PACKAGES)).as("bench classes in %s:%s (%s)", e.groupId(), e.artifactId(), e.file())
                    .isEmpty();
        }
    }

    @Test
    void theListIsTakenAsTheDebTakesItsLib() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        Element packaged = execution(pom, "appliance-lib");
        Element listed = execution(pom, "appliance-lib-list");
        assertThat(text(packaged, "goal")).isEqualTo("copy-dependencies");
        assertThat(text(listed, "goal")).isEqualTo("list");
        for (String setting : List.of("includeScope", "excludeArtifactIds", "includeArtifactIds", "excludeScope", "excludeTransitive")) {
            assertThat(text(listed, setting)).as(setting).isEqualTo(text(packaged, setting));
        }
        assertThat(text(packaged, "includeScope")).isEqualTo("runtime");
    }

    @Test
    void theScanFindsABenchClassInAJar(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("x.jar");
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o)) {
            j.putNextEntry(new JarEntry("com/pi4j/plugin/mock/provider/gpio/digital/MockDigitalInput.class"));
            j.closeEntry();
            j.putNextEntry(new JarEntry("io/headroom/grid/openadr2b/Ven2b.class"));
            j.closeEntry();
        }
        assertThat(benchClasses(jar, BENCH_PACKAGES)).containsExactly("com/pi4j/plugin/mock/provider/gpio/digital/MockDigitalInput.class");
        assertThat(parse(List.of("The following files have been resolved:",
                "   com.pi4j:pi4j-plugin-mock:jar:3.0.3:test:/m2/pi4j-plugin-mock-3.0.3.jar\u001B[36m -- module com.pi4j.plugin.mock\u001B[m")))
                .containsExactly(new Entry("com.pi4j", "pi4j-plugin-mock", "test", Path.of("/m2/pi4j-plugin-mock-3.0.3.jar")));
    }

    private static Element execution(Document pom, String id) {
        NodeList executions = pom.getElementsByTagName("execution");
        for (int i = 0; i < executions.getLength(); i++) {
            Element e = (Element) executions.item(i);
            if (id.equals(text(e, "id"))) {
                return e;
            }
        }
        throw new AssertionError("no execution " + id + " in image-build/pom.xml");
    }

    private static String text(Element e, String tag) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? null : n.item(0).getTextContent().trim();
    }
}
