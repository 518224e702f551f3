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
}
