package io.headroom.hil.study;

import io.headroom.appliance.control.AllocationMode;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Class-fair against demand-aware allocation in the capacity study, on the small hall in short virtual runs. */
class AllocationComparisonTest {

    static final Site HALL = StudyHalls.small();

    @Test
    void demandAwareLosesLessComputeWithNoMoreTripsAndPrintsItsFigures() {
        CapacityStudy.Result classFair = new CapacityStudy(HALL, StudyHalls.quick(), 11).run();
        AllocationComparison c = AllocationComparison.of(HALL, classFair);
        assertThat(c.classFairNodes()).isEqualTo(classFair.headroomNodes()).isPositive();
        assertThat(c.classFairLost()).isEqualTo(classFair.atHeadroom().normal().lostFraction(Priority.FLEXIBLE));
        assertThat(c.demandAwareLost()).as("flexible compute lost at the class-fair count").isLessThanOrEqualTo(c.classFairLost());
        assertThat(c.demandAwareTrips()).isLessThanOrEqualTo(c.classFairTrips()).isZero();
        assertThat(c.demandAwareNodes()).as("demand-aware's own count").isGreaterThanOrEqualTo(c.classFairNodes());
        assertThat(c.unlockRatioDemandAware()).isGreaterThanOrEqualTo(c.unlockRatioClassFair());

        StringWriter out = new StringWriter();
        AllocationComparison.print(List.of(c), new PrintWriter(out, true));
        assertThat(out.toString()).contains("study.compute_lost_pct.class_fair ", "study.compute_lost_pct.demand_aware ",
                "study.unlock_ratio.demand_aware ", "study.trips.demand_aware 0.000 trips",
                "study.compute_lost_pct.critical.demand_aware ");
        assertThat(c.demandAwareLostByClass()[Priority.CRITICAL.ordinal()]).as("critical within its budget")
                .isLessThanOrEqualTo(StudyHalls.quick().maxCriticalLossPct() / 100 + 1e-12);
    }

    @Test
    void theModeReachesTheRegulatorsAndClassFairIsTheDefault() {
        CapacityStudy.Evaluation fair = new CapacityStudy(HALL, StudyHalls.quick(), 5).evaluate(19, true);
        CapacityStudy.Evaluation again = new CapacityStudy(HALL, StudyHalls.quick(), 5)
                .allocation(AllocationMode.CLASS_FAIR).evaluate(19, true);
        CapacityStudy.Evaluation aware = new CapacityStudy(HALL, StudyHalls.quick(), 5)
                .allocation(AllocationMode.DEMAND_AWARE).evaluate(19, true);
        assertThat(fair.normal().lostFraction(Priority.FLEXIBLE)).as("caps cost compute at 19 nodes").isPositive();
        assertThat(again.normal().lostFraction(Priority.FLEXIBLE)).isEqualTo(fair.normal().lostFraction(Priority.FLEXIBLE));
        assertThat(aware.normal().lostFraction(Priority.FLEXIBLE))
                .isNotEqualTo(fair.normal().lostFraction(Priority.FLEXIBLE));
    }
}
