package io.headroom.appliance.architecture;

import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md: "no system clock outside the clock adapters, so the whole appliance can run in virtual time". The
 * product's main classes on the appliance's classpath — the appliance, the drivers it uses (modbus, waveform, gpio,
 * gpu-protocol, redfish) and grid-interface — neither call nor reference {@code System.nanoTime()},
 * {@code System.currentTimeMillis()}, {@code Clock.system*()}, {@code InstantSource.system()} or a java.time
 * {@code now()} without a clock, except in the clock adapters and the exemptions below, each with its reason.
 * A time is asked of the injected {@code MonotonicClock} / {@code java.time.Clock} (the appliance's {@code Clocks})
 * or, in a driver, of the {@code LongSupplier} its constructor takes.
 */
class NoSystemClockTest {

    /** The clock adapters: the only places that may read the system's clocks. */
    static final Map<String, String> ADAPTERS = Map.of(
            "io.headroom.appliance.clock.Clocks", "the appliance's clock adapter (Clocks.system())",
            "io.headroom.drivers.gpio.GpioClock", "the GPIO driver's clock adapter (its own scheduler thread too)",
            "io.headroom.common.SystemTime", "the other drivers' default monotonic clock (SystemTime.NANOS); each "
                    + "takes a LongSupplier, and the appliance gives the fast path its own MonotonicClock");

    /**
     * Not converted yet, each for a stated reason (a new class reading the system clock is not added here: it takes
     * the clock).
     */
    static final Map<String, String> EXEMPT = Map.of(
            "io.headroom.drivers.waveform.spi.Pi4jAdcLink", "hardware only: the SPI ADC's data-ready edges are stamped "
                    + "as they happen, in real time, on a board no virtual-time run has",
            "io.headroom.grid.vtn.", "the bench VTNs, which leave the product (issue 21 point 1)");

    private static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("/test-classes/"))
                .importPackages("io.headroom");
    }

    @Test
    void noProductClassReadsTheSystemClockOutsideTheClockAdapters() {
        // the rule is not vacuous: the appliance and the drivers it names are on the classpath
        assertThat(product.contain("io.headroom.appliance.Appliance")).isTrue();
        assertThat(product.contain("io.headroom.appliance.RegulationLoop")).isTrue();
        assertThat(product.contain("io.headroom.drivers.modbus.ModbusBus")).isTrue();
        assertThat(product.contain("io.headroom.drivers.waveform.UdpSampleSource")).isTrue();
        assertThat(product.contain("io.headroom.grid.openadr3.Ven3")).isTrue();

        noSystemClock().check(product);
    }

    @Test
    void theRuleSeesACallAMethodReferenceAndANowWithoutAClock() {
        JavaClasses offenders = new ClassFileImporter().importClasses(ReadsTheSystemClock.class, ReadsNoSystemClock.class);

        EvaluationResult result = noSystemClock().evaluate(offenders);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(d -> d.contains("System.nanoTime()"))
                .anyMatch(d -> d.contains("System.currentTimeMillis()"))
                .anyMatch(d -> d.contains("Instant.now()"))
                .anyMatch(d -> d.contains("Clock.systemUTC()"))
                .noneMatch(d -> d.contains(ReadsNoSystemClock.class.getSimpleName()));
    }

    static ArchRule noSystemClock() {
        return classes().that(ADAPTERS_OR_EXEMPT.negate())
                .should(READ_NO_SYSTEM_CLOCK)
                .because("every time comes from the injected clocks (io.headroom.appliance.clock.Clocks; a driver's "
                        + "LongSupplier), so that the whole appliance can run in virtual time");
    }

    private static final com.tngtech.archunit.base.DescribedPredicate<JavaClass> ADAPTERS_OR_EXEMPT =
            com.tngtech.archunit.base.DescribedPredicate.describe("a clock adapter or an exemption", c -> {
                String top = topLevel(c.getName());
                for (String name : List.copyOf(ADAPTERS.keySet())) {
                    if (top.equals(name)) {
                        return true;
                    }
                }
                for (String name : EXEMPT.keySet()) {
                    if (name.endsWith(".") ? top.startsWith(name) : top.equals(name)) {
                        return true;
                    }
                }
                return false;
            });

    private static String topLevel(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    private static final Set<String> NOW_OWNERS = Set.of("java.time.Instant", "java.time.LocalDate",
            "java.time.LocalDateTime", "java.time.LocalTime", "java.time.OffsetDateTime", "java.time.OffsetTime",
            "java.time.ZonedDateTime", "java.time.Year", "java.time.YearMonth", "java.time.MonthDay");

    /** Whether an access reads a system clock: a call or a method reference alike. */
    static boolean readsSystemClock(AccessTarget t) {
        String owner = t.getOwner().getName();
        String name = t.getName();
        if (owner.equals("java.lang.System")) {
            return name.equals("nanoTime") || name.equals("currentTimeMillis");
        }
        if (owner.equals("java.time.Clock")) {
            return name.equals("systemUTC") || name.equals("systemDefaultZone") || name.equals("system");
        }
        if (owner.equals("java.time.InstantSource")) {
            return name.equals("system");
        }
        if (NOW_OWNERS.contains(owner) && name.equals("now") && t instanceof AccessTarget.CodeUnitAccessTarget cu) {
            // now(Clock) reads the clock it is given; now() and now(ZoneId) read the system's
            return cu.getRawParameterTypes().stream().noneMatch(p -> p.getName().equals("java.time.Clock"));
        }
        return false;
    }

    private static final ArchCondition<JavaClass> READ_NO_SYSTEM_CLOCK = new ArchCondition<>("read no system clock") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
            for (JavaAccess<?> a : c.getAccessesFromSelf()) {
                if (readsSystemClock(a.getTarget())) {
                    events.add(SimpleConditionEvent.violated(a, a.getDescription()));
                }
            }
        }
    };

    /** A fixture that reads the system clock in every way the rule must see. */
    @SuppressWarnings("unused")
    static final class ReadsTheSystemClock {
        long call() {
            return System.nanoTime() + System.currentTimeMillis();
        }

        java.util.function.LongSupplier reference() {
            return System::nanoTime;
        }

        Instant now() {
            return Instant.now();
        }

        Clock utc() {
            return Clock.systemUTC();
        }
    }

    /** A fixture that reads only the clock it is given. */
    @SuppressWarnings("unused")
    static final class ReadsNoSystemClock {
        Instant now(Clock clock) {
            return Instant.now(clock);
        }
    }
}
