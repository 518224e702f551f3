package io.headroom.hil;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's dependency rules seen from the top, where every module is on the class path: nothing of the product
 * depends on the bench, and the bench's own packages have no cycles. The rules between the product's modules and
 * inside the appliance are the appliance's {@code LayeringTest}.
 */
class LayeringTest {

    static JavaClasses all;

    @BeforeAll
    static void importEverything() {
        all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.headroom");
    }

    @Test
    void nothingOfTheProductDependsOnTheBench() {
        noClasses().that().resideOutsideOfPackage("io.headroom.hil..")
                .should().dependOnClassesThat().resideInAPackage("io.headroom.hil..")
                .because("the bench drives the product from outside; the appliance ships without it (DESIGN.md)")
                .check(all);
    }

    @Test
    void noCyclesBetweenTheBenchsPackages() {
        slices().matching("io.headroom.hil.(*)..").should().beFreeOfCycles().allowEmptyShould(true).check(all);
    }
}
