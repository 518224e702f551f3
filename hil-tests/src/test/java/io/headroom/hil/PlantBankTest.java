package io.headroom.hil;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.SupercapBank;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The simulated bank is a capacitor with series resistance behind a current-limited converter. */
class PlantBankTest {

    @Test
    void dischargeLowersTheVoltageAsACapacitorsAndCostsMoreThanItDeliversThroughTheEsr() throws Exception {
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        SupercapBank spec = site.supercaps().getFirst();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (PlantBank bank = new PlantBank(spec, port)) {
            assertThat(bank.capacitanceF()).isCloseTo(2 * spec.energyWh() * 3600 / (800.0 * 800 - 400.0 * 400), within(1e-9));
            double v0 = bank.voltageV();
            assertThat(v0).as("half the usable energy: between the window's ends").isBetween(400.0, 800.0)
                    .isCloseTo(Math.sqrt((800.0 * 800 + 400.0 * 400) / 2), within(1e-6));
            var unit = bank.unitForTests();
            unit.set(new String[]{"mode", "power-setpoint"}, new double[]{2, spec.maxDischargeW()});
            double soc0 = bank.socFraction();
            double delivered = 0;
            for (int k = 0; k < 100; k++) {
                delivered += bank.step(0.01) * 0.01;
            }
            double used = (soc0 - bank.socFraction()) * spec.energyWh() * 3600;
            assertThat(delivered).as("the feed got, J").isPositive();
            assertThat(used).as("the bank gave more than the feed got: I²R").isGreaterThan(delivered);
            assertThat(used - delivered).isCloseTo(delivered * (spec.maxDischargeW() / v0) * PlantBank.ESR_OHM / v0,
                    within(delivered * 0.01));
            assertThat(bank.voltageV()).as("a capacitor's voltage falls as it empties").isLessThan(v0);
        }
    }
}
