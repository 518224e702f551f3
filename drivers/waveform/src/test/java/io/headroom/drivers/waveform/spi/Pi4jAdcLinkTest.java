package io.headroom.drivers.waveform.spi;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.spi.SpiBus;
import com.pi4j.io.spi.SpiChipSelect;
import com.pi4j.io.spi.SpiMode;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.spi.MockSpi;
import com.pi4j.plugin.mock.provider.spi.MockSpiProvider;
import io.headroom.drivers.waveform.SampleBlock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Pi4J wiring on Pi4J's mock platform: SPI config, DRDY listener, bytes through the mock SPI. */
class Pi4jAdcLinkTest {

    private static final WordLength WL = WordLength.BITS_24;
    private static final List<AdcChannel> CHANNELS = List.of(
            AdcChannel.voltage("v1", 1, 0, 1.2, 1, 1000, 1),
            AdcChannel.current("i1", 1, 4, 1.2, 1, 2.0, 400));

    private Context context;

    @BeforeEach
    void mockContext() {
        context = Pi4J.newContextBuilder()
                .add(new MockPlatform())
                .add(MockSpiProvider.newInstance(), MockDigitalInputProvider.newInstance())
                .build();
    }

    @AfterEach
    void shutdown() {
        context.shutdown();
    }

    private static byte[] frame(int v1Code, int i1Code) {
        int[] codes = new int[8];
        codes[0] = v1Code;
        codes[4] = i1Code;
        byte[] f = new byte[30];
        Ads131mFrame.encode(f, Ads131mFrame.healthyStatus(8, WL), codes, 8, WL);
        return f;
    }

    private static void pulseDrdy(MockDigitalInput drdy) {
        drdy.mockState(DigitalState.HIGH);
        drdy.mockState(DigitalState.LOW); // falling edge: new data
    }

    @Test
    void theSpiIsConfiguredInMode1OnTheGivenBusChipSelectAndBaud() {
        try (Pi4jAdcLink link = new Pi4jAdcLink(context, new Pi4jAdcLink.Wiring(1, 1, 4_000_000, 25, null, null),
                "adc0")) {
            assertThat(link.spi()).isInstanceOf(MockSpi.class);
            assertThat(link.spi().config().bus()).isEqualTo(SpiBus.BUS_1);
            assertThat(link.spi().config().chipSelect()).isEqualTo(SpiChipSelect.CS_1);
            assertThat(link.spi().config().mode()).isEqualTo(SpiMode.MODE_1);
            assertThat(link.spi().config().baud()).isEqualTo(4_000_000);
            assertThat(link.drdy()).isInstanceOf(MockDigitalInput.class);
            assertThat(link.drdy().config().address()).isEqualTo(25);
            assertThat(context.registry().all()).containsKeys("adc0-spi", "adc0-drdy");
        }
        assertThat(context.registry().all()).doesNotContainKeys("adc0-spi", "adc0-drdy");
    }

    @Test
    void aDrdyEdgeOnTheMockPinReadsAFrameThroughTheMockSpi() throws IOException {
        SpiAdcSampleSource.Config cfg = new SpiAdcSampleSource.Config(1, 4000, 8, WL, CHANNELS, 2_000_000_000L);
        try (SpiAdcSampleSource s = SpiAdcSampleSource.open(context, Pi4jAdcLink.Wiring.defaults(), cfg, "adc1")) {
            Pi4jAdcLink link = (Pi4jAdcLink) linkOf(s, context);
            MockSpi spi = (MockSpi) link.spi();
            MockDigitalInput drdy = (MockDigitalInput) link.drdy();

            // a corrupted frame then a good one are waiting in the converter's shift register
            byte[] bad = frame(1000, 2000);
            bad[7] ^= 1;
            spi.write(bad);
            spi.write(frame(4_194_304, -8_388_608)); // +FS/2 volts, −FS amps
            long before = System.nanoTime();
            pulseDrdy(drdy);
            pulseDrdy(drdy);

            SampleBlock b = new SampleBlock(2, 1); // one sample: read returns without waiting for another edge
            assertThat(s.read(b)).isEqualTo(1);
            assertThat(b.channel(0)[0]).isCloseTo(600, within(1e-9));       // 0.6 V × 1000
            assertThat(b.channel(1)[0]).isCloseTo(-240, within(1e-9));      // −1.2 V / 2 Ω × 400
            assertThat(b.samplesLostBefore()).isEqualTo(1);
            assertThat(b.firstSampleNanos()).isBetween(before, System.nanoTime());
            assertThat(s.stats().corrupt()).isEqualTo(1);
            assertThat(s.stats().frames()).isEqualTo(1);
            assertThat(link.edgesOverrun()).isZero();

            // what the host clocked out: two NULL-command frames (0x0000, then zeros)
            byte[] tx = spi.readEntireMockBuffer();
            assertThat(tx).hasSize(60).containsOnly(0);
        }
    }

    private static AdcLink linkOf(SpiAdcSampleSource s, Context context) {
        // the source owns its link; the Pi4J IOs are in the context's registry
        assertThat(context.registry().all()).containsKey("adc1-spi");
        return s.link();
    }
}
