package io.headroom.appliance;

import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.waveform.ChannelKind;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.StreamFormat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Commissioning: listens to one feed's waveform stream, as the site file declares it ({@link Appliance#openStream}),
 * for a while, without starting control, and reports what arrives: the sample rate, each channel's RMS, the
 * frequency, the phase rotation and the sign of each phase's active power.
 */
public final class StreamProbe {

    private StreamProbe() {
    }

    /** One channel: its name, kind, phase and RMS. */
    public record Channel(String name, String kind, int phase, double rms) {
    }

    /**
     * The result.
     *
     * @param nominalRateHz the rate the site file declares
     * @param measuredRateHz samples received per second of listening (NaN without samples)
     * @param rotation      {@code L1-L2-L3} (positive sequence), {@code L1-L3-L2} (reversed) or null when unknown
     * @param powerW        per phase, the mean of v·i (positive = import), NaN when unknown
     * @param warnings      what the appliance would alarm on: a reversed rotation, a negative power on a phase
     */
    public record Result(String feed, String source, double nominalRateHz, double measuredRateHz, long samples,
                         long lost, double listenedS, List<Channel> channels, double frequencyHz, String rotation,
                         double[] powerW, List<String> warnings) {
    }

    /** The feeds of the site that have a stream. */
    public static List<String> streamedFeeds(Site site) {
        return site.waveforms().streams().stream().map(WaveformStream::feedId).toList();
    }

    /**
     * Listens to {@code feedId}'s stream for {@code listen}.
     *
     * @throws IllegalArgumentException when the feed has no stream (the message names those that have one)
     * @throws IllegalStateException    when the stream cannot be opened (the message says what to do)
     */
    public static Result listen(Site site, String feedId, Duration listen, Clocks clocks) throws IOException {
        WaveformStream stream = site.waveforms().streams().stream().filter(s -> s.feedId().equals(feedId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no waveform stream for feed " + feedId
                        + " in the site; feeds with one: " + (streamedFeeds(site).isEmpty() ? "none"
                        : String.join(", ", streamedFeeds(site)))));
        int nominalHz = (int) Math.round(site.frequencyHz());
        try (SampleSource source = Appliance.openStream(stream, nominalHz, clocks.monotonic())) {
            StreamFormat f = source.format();
            int n = f.channelCount();
            int cap = (int) Math.min(4_000_000 / Math.max(1, n), Math.ceil(f.sampleRateHz() * listen.toNanos() / 1e9) + 1);
            double[][] x = new double[n][cap];
            int len = 0;
            long lost = 0;
            SampleBlock block = new SampleBlock(n, 4096);
            long t0 = clocks.nanos();
            long end = t0 + listen.toNanos();
            long first = -1;
            long last = -1;
            while (len < cap && clocks.nanos() - end < 0) {
                int got = source.read(block);
                if (got < 0) {
                    break;
                }
                if (got == 0) {
                    continue;
                }
                long now = clocks.nanos();
                if (first < 0) {
                    first = now;
                }
                last = now;
                if (len > 0) {
                    lost += block.samplesLostBefore();
                }
                int take = Math.min(got, cap - len);
                for (int c = 0; c < n; c++) {
                    System.arraycopy(block.channel(c), 0, x[c], len, take);
                }
                len += take;
            }
            double listened = (clocks.nanos() - t0) / 1e9;
            double measured = len > 1 && last > first ? len / ((last - first) / 1e9 + len / f.sampleRateHz()) : Double.NaN;
            return analyse(site, feedId, sourceName(stream), f, x, len, lost,
                    listened, measured);
        }
    }

    static String sourceName(WaveformStream s) {
        return switch (s) {
            case WaveformStream.Sv v -> "sv";
            case WaveformStream.Udp u -> "udp";
            case WaveformStream.Spi x -> "spi";
            case WaveformStream.Comtrade c -> "comtrade";
        };
    }

    static Result analyse(Site site, String feedId, String sourceName, StreamFormat f, double[][] x, int len, long lost,
                          double listened, double measured) {
        int n = f.channelCount();
        List<Channel> channels = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int i = 0; i < len; i++) {
                s += x[c][i] * x[c][i];
            }
            var spec = f.channels().get(c);
            channels.add(new Channel(spec.name(), spec.kind().name().toLowerCase(java.util.Locale.ROOT), spec.phase(),
                    len == 0 ? Double.NaN : Math.sqrt(s / len)));
        }
        double fs = f.sampleRateHz();
        int v1 = f.indexOf(ChannelKind.VOLTAGE, 1);
        int v2 = f.indexOf(ChannelKind.VOLTAGE, 2);
        int v3 = f.indexOf(ChannelKind.VOLTAGE, 3);
        double freq = Double.NaN;
        if (v1 >= 0 && len > 2) {
            // positive-going zero crossings of V L1, interpolated
            double firstX = Double.NaN;
            double lastX = Double.NaN;
            int crossings = 0;
            for (int i = 1; i < len; i++) {
                double a = x[v1][i - 1];
                double b = x[v1][i];
                if (a < 0 && b >= 0) {
                    double at = i - 1 + a / (a - b);
                    if (crossings == 0) {
                        firstX = at;
                    }
                    lastX = at;
                    crossings++;
                }
            }
            if (crossings >= 2) {
                freq = (crossings - 1) / ((lastX - firstX) / fs);
            }
        }
        String rotation = null;
        List<String> warnings = new ArrayList<>();
        if (Double.isFinite(freq) && v1 >= 0 && v2 >= 0 && v3 >= 0) {
            int m = (int) Math.min(len, Math.floor(Math.floor(len * freq / fs) * fs / freq)); // whole cycles
            double a1 = phase(x[v1], m, freq, fs);
            double a2 = phase(x[v2], m, freq, fs);
            double d = Math.toDegrees(wrap(a2 - a1)); // L2 lags L1 by 120° in positive sequence: -120
            if (Math.abs(d + 120) < 30) {
                rotation = "L1-L2-L3";
            } else if (Math.abs(d - 120) < 30) {
                rotation = "L1-L3-L2";
                warnings.add("phase rotation reversed (L1-L3-L2): L2 leads L1 by " + Math.round(d) + "°");
            } else {
                warnings.add("phase rotation unclear: L2 is " + Math.round(d) + "° from L1");
            }
        }
        double[] p = new double[3];
        for (int k = 1; k <= 3; k++) {
            int vi = f.indexOf(ChannelKind.VOLTAGE, k);
            int ii = f.indexOf(ChannelKind.CURRENT, k);
            if (vi < 0 || ii < 0 || len == 0) {
                p[k - 1] = Double.NaN;
                continue;
            }
            double s = 0;
            for (int i = 0; i < len; i++) {
                s += x[vi][i] * x[ii][i];
            }
            p[k - 1] = s / len;
            double vRms = channels.get(vi).rms();
            double iRms = channels.get(ii).rms();
            if (p[k - 1] < -0.05 * vRms * iRms) {
                warnings.add("L" + k + ": negative active power (" + Math.round(p[k - 1]) + " W) on a feed that "
                        + "imports: CT polarity reversed, or CT on the wrong phase");
            }
        }
        return new Result(feedId, sourceName, f.sampleRateHz(), measured, len, lost, listened, channels, freq,
                rotation, p, warnings);
    }

    private static double phase(double[] x, int m, double freq, double fs) {
        double re = 0;
        double im = 0;
        double w = 2 * Math.PI * freq / fs;
        for (int i = 0; i < m; i++) {
            re += x[i] * Math.cos(w * i);
            im -= x[i] * Math.sin(w * i);
        }
        return Math.atan2(im, re);
    }

    private static double wrap(double a) {
        while (a > Math.PI) {
            a -= 2 * Math.PI;
        }
        while (a <= -Math.PI) {
            a += 2 * Math.PI;
        }
        return a;
    }
}
