package io.headroom.drivers.waveform.comtrade;

import java.time.Instant;
import java.util.List;

/**
 * A COMTRADE record in memory (IEEE C37.111-1999 or -2013): one sample rate, analog values scaled to
 * engineering units ({@code analog[channel][sample]}), status channels ({@code digital[channel][sample]}),
 * the time of the first sample and of the trigger.
 *
 * @param revisionYear 1999 or 2013
 * @param timestampsMicros per-sample time since the first sample as read from the .dat (× timemult), or null
 *                         when written: the writer computes them from the rate
 */
public record ComtradeRecord(String stationName, String deviceId, int revisionYear, double lineFrequencyHz,
                             double sampleRateHz, Instant firstSample, Instant trigger,
                             List<AnalogChannel> analogChannels, List<DigitalChannel> digitalChannels,
                             double[][] analog, boolean[][] digital, long[] timestampsMicros) {

    public ComtradeRecord {
        analogChannels = List.copyOf(analogChannels);
        digitalChannels = List.copyOf(digitalChannels);
        if (revisionYear != 1999 && revisionYear != 2013) {
            throw new IllegalArgumentException("revision year must be 1999 or 2013, was " + revisionYear);
        }
        if (analog.length != analogChannels.size() || digital.length != digitalChannels.size()) {
            throw new IllegalArgumentException("one value array per channel");
        }
        int n = samples(analog, digital);
        for (double[] a : analog) {
            if (a.length != n) {
                throw new IllegalArgumentException("every channel needs " + n + " samples");
            }
        }
        for (boolean[] d : digital) {
            if (d.length != n) {
                throw new IllegalArgumentException("every channel needs " + n + " samples");
            }
        }
    }

    private static int samples(double[][] analog, boolean[][] digital) {
        return analog.length > 0 ? analog[0].length : digital.length > 0 ? digital[0].length : 0;
    }

    public int sampleCount() {
        return samples(analog, digital);
    }
}
