package io.headroom.appliance;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

import java.time.Clock;
import java.time.InstantSource;
import java.util.Timer;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's dependency rules ("Modules and what may depend on what"), checked on the compiled classes of the
 * appliance, the drivers it depends on and the grid interface (all on this module's test class path; tests
 * excluded). Each rule fails the build on a violation and names the offending class and line.
 */
class LayeringTest {

    /** Where the drivers live (the package roots of drivers/*; io.headroom.drivers.waveform and .agent until renamed). */
    static final String[] DRIVERS = {"io.headroom.drivers..", "io.headroom.drivers.waveform..", "io.headroom.drivers.agent.."};
    static final String APPLIANCE = "io.headroom.appliance..";
    static final String GRID = "io.headroom.grid..";

    static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.headroom");
    }

    // ---- between modules

    @Test
    void driversKnowNothingOfTheApplianceNorTheSiteModelNorTheGrid() {
        noClasses().that().resideInAnyPackage(DRIVERS)
                .should().dependOnClassesThat().resideInAnyPackage(APPLIANCE, GRID, "io.headroom.hil..")
                .because("a meter driver returns readings, it does not know what a feed is (DESIGN.md)")
                .check(product);
    }

    @Test
    void theGridInterfaceKnowsNothingOfGpusNorTheAppliance() {
        noClasses().that().resideInAPackage(GRID)
                .should().dependOnClassesThat().resideInAnyPackage(concat(DRIVERS, APPLIANCE, "io.headroom.hil.."))
                .because("the grid interface turns utility events into commitments and commitments into reports (DESIGN.md)")
                .check(product);
    }

    // ---- the pure control core

    @Test
    void controlDoesNoIo() {
        noClasses().that().resideInAPackage("io.headroom.appliance.control..")
                .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.net..", "java.nio.channels..",
                        "java.nio.file..", "javax.net..", "java.sql..", "javax.sql..", "org.sqlite..", "io.vertx..",
                        "io.netty..", "com.ghgande..", "org.eclipse.californium..", "com.pi4j..")
                .because("control is pure: snapshot in, limits and caps out (DESIGN.md, Data flow and time)")
                .check(product);
    }

    @Test
    void controlStartsNoThreads() {
        noClasses().that().resideInAPackage("io.headroom.appliance.control..")
                .should().dependOnClassesThat(assignableTo(Thread.class).or(assignableTo(Executor.class))
                        .or(assignableTo(ThreadFactory.class)).or(assignableTo(Timer.class))
                        .or(resideInAnyPackage("java.util.concurrent.locks..")))
                .because("control runs on the regulation loop's thread, one tick at a time")
                .check(product);
    }

    @Test
    void controlReadsNoClock() {
        noClasses().that().resideInAPackage("io.headroom.appliance.control..")
                .should().dependOnClassesThat(assignableTo(Clock.class).or(assignableTo(InstantSource.class)))
                .orShould().callMethodWhere(readsAClock())
                .because("control's time is the snapshot's (its tick's monotonic and UTC time)")
                .check(product);
    }

    /** {@code System.nanoTime()}, {@code System.currentTimeMillis()}, and any {@code java.time} {@code now(…)}. */
    static com.tngtech.archunit.base.DescribedPredicate<JavaMethodCall> readsAClock() {
        return describe("a clock is read", call -> {
            JavaClass owner = call.getTargetOwner();
            String name = call.getName();
            return owner.isEquivalentTo(System.class) && (name.equals("nanoTime") || name.equals("currentTimeMillis"))
                    || owner.getPackageName().equals("java.time") && name.equals("now");
        });
    }

    // ---- inside the appliance: the arrows run from the plant's readings to control to the actuators

    @Test
    void measurementKnowsNothingOfControl() {
        noClasses().that().resideInAPackage("io.headroom.appliance.measure..")
                .should().dependOnClassesThat().resideInAPackage("io.headroom.appliance.control..")
                .because("measure produces readings; control consumes them (the readings are measure's types)")
                .check(product);
    }

    @Test
    void actuationKnowsNothingOfControl() {
        noClasses().that().resideInAPackage("io.headroom.appliance.actuation..")
                .should().dependOnClassesThat().resideInAPackage("io.headroom.appliance.control..")
                .because("actuators carry out caps and armed contingencies (their own types), whoever decided them")
                .check(product);
    }

    @Test
    void protectionKnowsNothingOfActuation() {
        noClasses().that().resideInAPackage("io.headroom.appliance.protection..")
                .should().dependOnClassesThat().resideInAPackage("io.headroom.appliance.actuation..")
                .because("the fast path names what it needs (ContingencyHold); the actuators provide it")
                .check(product);
    }

    @Test
    void controlKnowsNothingOfWhatSurroundsIt() {
        noClasses().that().resideInAPackage("io.headroom.appliance.control..")
                .should().dependOnClassesThat().resideInAnyPackage("io.headroom.appliance.actuation..",
                        "io.headroom.appliance.protection..", "io.headroom.appliance.api..",
                        "io.headroom.appliance.cli..", "io.headroom.appliance.journal..",
                        "io.headroom.appliance.metrics..", "io.headroom.appliance.field..",
                        "io.headroom.appliance.grid..", "io.headroom.appliance.operator..",
                        "io.headroom.appliance.supervision..")
                .orShould().dependOnClassesThat().resideInAPackage("io.headroom.appliance")
                .orShould().dependOnClassesThat().resideInAnyPackage(DRIVERS)
                .orShould().dependOnClassesThat().resideInAPackage(GRID)
                .because("control reads the site, the measurements and the DSP's figures, and nothing else")
                .check(product);
    }

    // ---- no cycles between the packages of each module

    @Test
    void noCyclesBetweenTheAppliancesPackages() {
        noCycles("io.headroom.appliance.(*)..").check(product);
    }

    @Test
    void noCyclesBetweenTheGridInterfacesPackages() {
        noCycles("io.headroom.grid.(*)..").check(product);
    }

    @Test
    void noCyclesBetweenTheDriversPackages() {
        for (String root : new String[]{"io.headroom.drivers.(*)..", "io.headroom.drivers.waveform.(*)..",
                "io.headroom.drivers.gpuprotocol.(*)..", "io.headroom.drivers.modbus.(*)..",
                "io.headroom.drivers.gpio.(*)..", "io.headroom.drivers.redfish.(*).."}) {
            noCycles(root).check(product);
        }
    }

    static ArchRule noCycles(String slices) {
        return slices().matching(slices).should().beFreeOfCycles().allowEmptyShould(true);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
