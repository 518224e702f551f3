package io.headroom.appliance.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.TripCurve;
import io.headroom.drivers.modbus.MeterReading;
import io.headroom.drivers.modbus.Quality;
import io.headroom.drivers.modbus.RegisterMap;
import org.junit.jupiter.api.Test;

/** A phase's power: the meter's own, else V·I·|PF| of the same reading, else unknown (NaN), never 0. */
class PhasePowerTest {

    static final Feed FEED = new Feed("A", 150, 1.0, 400, 3, 0.95, TripCurve.thermalMagneticDefault(), "m");

    static FeedPhases phases(String csv, double... values) {
        RegisterMap map = RegisterMap.parse("t", csv);
        return MeasurementPipeline.toPhases(FEED, new MeterReading("m", map, values, 0, Instant.EPOCH, Quality.GOOD,
                null), 0);
    }

    static final String VIPF = """
            voltage-L1,V,3,0,f32
            current-L1,A,3,2,f32
            power-factor-L1,,3,4,f32
            power-L1,W,3,6,f32
            """;

    @Test
    void theMetersOwnPowerWins() {
        FeedPhases p = phases(VIPF, 230, 10, 0.9, 2000);
        assertThat(p.powerW()[0]).isEqualTo(2000);
        assertThat(p.powerSource()[0]).isEqualTo(FeedPhases.METER);
    }

    @Test
    void aMissingPowerIsDerivedWithTheCurrentsSignAndThePowerFactorsMagnitude() {
        FeedPhases p = phases(VIPF, 230, 10, -0.9, Double.NaN);
        assertThat(p.powerW()[0]).isCloseTo(2070, within(1e-9));
        assertThat(p.powerSource()[0]).isEqualTo(FeedPhases.DERIVED);
        // exporting (negative current in Headroom's convention): negative power, whatever the PF's sign says
        p = phases(VIPF, 230, -10, 0.9, Double.NaN);
        assertThat(p.powerW()[0]).isCloseTo(-2070, within(1e-9));
    }

    @Test
    void withoutVIAndPfOrWithAnImplausiblePfThePowerIsUnknown() {
        for (double[] v : new double[][]{{Double.NaN, 10, 0.9}, {230, Double.NaN, 0.9}, {230, 10, Double.NaN},
                {230, 10, 1.5}}) {
            FeedPhases p = phases(VIPF, v[0], v[1], v[2], Double.NaN);
            assertThat(p.powerW()[0]).as("V %s I %s PF %s", v[0], v[1], v[2]).isNaN();
            assertThat(p.powerSource()[0]).isNull();
        }
        // a map without the phases at all: unknown on every phase, not 0
        FeedPhases p = phases("current-L1,A,3,0,f32\npower-total,W,3,2,f32", 10, 2000);
        assertThat(p.powerW()).containsOnly(Double.NaN);
        assertThat(p.powerSource()).containsOnly((String) null);
    }
}
