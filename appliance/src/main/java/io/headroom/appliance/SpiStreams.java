package io.headroom.appliance;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.provider.Provider;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.waveform.ChannelSpec;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.spi.AdcChannel;
import io.headroom.drivers.waveform.spi.Pi4jAdcLink;
import io.headroom.drivers.waveform.spi.SpiAdcSampleSource;
import io.headroom.drivers.waveform.spi.WordLength;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a site file's {@code spi} stream: an ADS131M on {@code /dev/spidevB.C} through Pi4J's linuxfs SPI
 * provider, its DRDY on a GPIO through gpiod (or linuxfs), in a Pi4J context of its own that the stream closes;
 * with {@link GpioProvider#MOCK} (tests, bench) Pi4J's mock SPI and inputs, looked up by name since the mock
 * plugin is never on the appliance's class path.
 */
final class SpiStreams {

    private SpiStreams() {
    }

    static SampleSource open(WaveformStream.Spi s, GpioProvider gpio) {
        List<AdcChannel> channels = new ArrayList<>();
        StreamFormat names = StreamFormat.threePhaseFeed(0, s.sampleRateHz(), s.feedId());
        for (int k = 0; k < 6; k++) {
            ChannelSpec spec = names.channels().get(k);
            channels.add(new AdcChannel(spec, s.inputs().get(k), k < 3 ? s.voltsPerCode() : s.ampsPerCode()));
        }
        SpiAdcSampleSource.Config config = new SpiAdcSampleSource.Config(0, s.sampleRateHz(), s.deviceChannels(),
                WordLength.BITS_24, channels, 50_000_000L);
        Context context;
        try {
            context = context(gpio);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("feed " + s.feedId() + ": no SPI/GPIO for its spi stream here: " + e
                    + " (the stream needs /dev/spidev" + s.bus() + "." + s.chipSelect() + " and a GPIO chip)", e);
        }
        try {
            SpiAdcSampleSource source = SpiAdcSampleSource.open(context, new Pi4jAdcLink.Wiring(s.bus(),
                    s.chipSelect(), s.baud(), s.drdyPin(), null, null), config, "feed-" + s.feedId());
            return new Owning(source, context);
        } catch (RuntimeException e) {
            context.shutdown();
            throw new IllegalStateException("feed " + s.feedId() + ": cannot open its ADC on SPI bus " + s.bus()
                    + " chip select " + s.chipSelect() + " (DRDY on BCM " + s.drdyPin() + "): " + e.getMessage()
                    + " (is spidev enabled, dtparam=spi=on, and may this user open /dev/spidev" + s.bus() + "."
                    + s.chipSelect() + "?)", e);
        }
    }

    private static Context context(GpioProvider gpio) {
        Provider<?, ?, ?> spi;
        Provider<?, ?, ?> in;
        if (gpio == GpioProvider.MOCK) {
            spi = mock("com.pi4j.plugin.mock.provider.spi.MockSpiProvider");
            in = mock("com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider");
        } else {
            spi = com.pi4j.plugin.linuxfs.provider.spi.LinuxFsSpiProvider.newInstance();
            in = gpio == GpioProvider.LINUXFS || !java.nio.file.Files.exists(java.nio.file.Path.of("/dev/gpiochip0"))
                    ? com.pi4j.plugin.linuxfs.provider.gpio.digital.LinuxFsDigitalInputProvider.newInstance()
                    : com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider.newInstance();
        }
        return Pi4J.newContextBuilder().noAutoDetect().disableShutdownHook().add(spi, in).build();
    }

    private static Provider<?, ?, ?> mock(String name) {
        try {
            return (Provider<?, ?, ?>) Class.forName(name, true, SpiStreams.class.getClassLoader())
                    .getMethod("newInstance").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the MOCK provider needs Pi4J's mock plugin on the class path (tests "
                    + "and the bench only): " + e, e);
        }
    }

    /** The ADC's source, closing its Pi4J context with it. */
    static final class Owning implements SampleSource {
        private final SpiAdcSampleSource source;
        private final Context context;

        Owning(SpiAdcSampleSource source, Context context) {
            this.source = source;
            this.context = context;
        }

        SpiAdcSampleSource adc() {
            return source;
        }

        @Override
        public StreamFormat format() {
            return source.format();
        }

        @Override
        public int read(SampleBlock into) throws IOException {
            return source.read(into);
        }

        @Override
        public SourceStats stats() {
            return source.stats();
        }

        @Override
        public void close() {
            try {
                source.close();
            } finally {
                context.shutdown();
            }
        }
    }
}
