package io.headroom.appliance.site;

import io.headroom.drivers.waveform.Senders;
import io.headroom.drivers.waveform.sv.SvFrames;
import io.headroom.drivers.waveform.sv.SvProfile;
import io.headroom.drivers.waveform.sv.SvSampleSource;

import java.util.List;

/** One feed's CT/PT stream ({@code waveforms.streams} in the site file): where its samples come from. */
public sealed interface WaveformStream {

    /** The feed whose three voltages and three currents the stream carries. */
    String feedId();

    /**
     * IEC 61850-9-2 / 61869-9 Sampled Values from a merging unit, read from {@code interfaceName} (raw frames:
     * the service needs CAP_NET_RAW).
     *
     * @param destinationMac  the stream's multicast address, {@code 01-0C-CD-04-00-01}
     * @param appId           0..65535
     * @param channels        the dataset channels read as the feed's V L1, V L2, V L3, I L1, I L2, I L3
     *                        ({@code Va Vb Vc Ia Ib Ic} by default)
     * @param voltsPerCount   V per count of the voltage channels (0.01 by default)
     * @param ampsPerCount    A per count of the current channels (0.001 by default)
     * @param allowSimulation accept frames with the simulation bit
     */
    record Sv(String feedId, String interfaceName, String destinationMac, int appId, String svId, SvProfile profile,
              List<String> channels, double voltsPerCount, double ampsPerCount, boolean allowSimulation)
            implements WaveformStream {

        public static final List<String> DEFAULT_CHANNELS = List.of("Va", "Vb", "Vc", "Ia", "Ib", "Ic");

        public Sv {
            channels = List.copyOf(channels);
        }

        /** The source's options at the site's nominal frequency (the 9-2LE rates follow it). */
        public SvSampleSource.Options options(int nominalHz) {
            int[] index = new int[6];
            double[] scale = new double[6];
            for (int i = 0; i < 6; i++) {
                index[i] = List.of(SvFrames.CHANNEL_NAMES).indexOf(channels.get(i));
                scale[i] = i < 3 ? voltsPerCount : ampsPerCount;
            }
            return new SvSampleSource.Options(profile, nominalHz, destinationMac, appId, svId, index, scale,
                    allowSimulation, 8);
        }
    }

    /**
     * The project's own UDP frames (drivers/waveform README), accepted only from {@code senders}.
     *
     * @param senders IP literals, {@code HOST} or {@code HOST:PORT}
     */
    record Udp(String feedId, Endpoint bind, long streamId, double sampleRateHz, List<String> senders)
            implements WaveformStream {

        public Udp {
            senders = List.copyOf(senders);
        }

        public Senders allowedSenders() {
            return Senders.parse(senders);
        }
    }

    /**
     * Replay of a COMTRADE record (IEEE C37.111: {@code .cfg} with an ASCII or BINARY {@code .dat}) in real time,
     * for commissioning and drills.
     *
     * @param cfg      the record's .cfg (its .dat beside it)
     * @param channels the record's analog channel ids read as V L1, V L2, V L3, I L1, I L2, I L3; null: by unit and
     *                 phase
     * @param loop     start again at the record's end; else the stream falls silent there
     */
    record Comtrade(String feedId, java.nio.file.Path cfg, List<String> channels, boolean loop)
            implements WaveformStream {
        public Comtrade {
            channels = channels == null ? null : List.copyOf(channels);
        }
    }

    /**
     * An ADS131M-family ADC on SPI through Pi4J (drivers/waveform's {@code SpiAdcSampleSource}): one frame per
     * DRDY edge, six of its inputs read as the feed's V L1..L3 and I L1..L3.
     *
     * @param bus            SPI bus (0 = /dev/spidev0.x)
     * @param chipSelect     chip select line
     * @param baud           SCLK, Hz
     * @param drdyPin        BCM number of the GPIO wired to DRDY
     * @param sampleRateHz   the converter's output data rate
     * @param deviceChannels channels the converter sends per frame (ADS131M06: 6, M08: 8)
     * @param inputs         the converter inputs read as V L1, V L2, V L3, I L1, I L2, I L3
     * @param voltsPerCode   primary V per code of the voltage inputs (VREF / (gain · 2^23) × divider × PT ratio)
     * @param ampsPerCode    primary A per code of the current inputs (VREF / (gain · 2^23) / burden × CT ratio)
     */
    record Spi(String feedId, int bus, int chipSelect, int baud, int drdyPin, double sampleRateHz,
               int deviceChannels, List<Integer> inputs, double voltsPerCode, double ampsPerCode)
            implements WaveformStream {
        public static final List<Integer> DEFAULT_INPUTS = List.of(0, 1, 2, 3, 4, 5);

        public Spi {
            inputs = List.copyOf(inputs);
        }
    }
}
