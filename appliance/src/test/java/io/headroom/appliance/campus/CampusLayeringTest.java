package io.headroom.appliance.campus;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The campus stays off the loops: regulation, protection, measurement and actuation never reach the campus package
 * (they see a campus budget only as a commitment in the book); and the pure split does no I/O.
 */
class CampusLayeringTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.headroom.appliance");

    @Test
    void theLoopsNeverReachTheCampus() {
        noClasses().that().resideInAnyPackage("io.headroom.appliance.control..", "io.headroom.appliance.protection..",
                        "io.headroom.appliance.measure..", "io.headroom.appliance.actuation..",
                        "io.headroom.appliance.dsp..")
                .or().haveFullyQualifiedName("io.headroom.appliance.RegulationLoop")
                .should().dependOnClassesThat().resideInAPackage("io.headroom.appliance.campus..")
                .check(CLASSES);
    }

    @Test
    void theSplitIsPure() {
        noClasses().that().haveFullyQualifiedName(CampusSplit.class.getName())
                .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.net..", "java.nio..",
                        "java.time..", "io.vertx..", "java.util.concurrent..")
                .check(CLASSES);
    }
}
