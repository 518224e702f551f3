package io.headroom.hil;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.waveform.SampleEncoding;
import io.headroom.waveform.StreamFormat;
import io.headroom.waveform.UdpFrameSender;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The plant's CT/PT front-end: per feed a 3 V + 3 I stream in the waveform module's UDP frame format
 * (int16), at {@code sampleRateHz}. Voltage is the feed's nominal line-to-neutral voltage while the feed is
 * up and collapses to nothing (noise) the sample it is lost; current follows the feed's per-phase current at the
 * power factor's angle. Both carry the harmonics a hall of server PSUs makes ({@link #I_HARMONICS},
 * {@link #V_HARMONICS}) and measurement noise ({@link #NOISE_V}, {@link #NOISE_I}). Driven by the plant's steps;
 * samples carry their monotonic timestamps.
 */
final class WaveformStreamer implements AutoCloseable {

    private final Site site;
    private final double rateHz;
    private final UdpFrameSender[] senders;
    private final double[][] buffer;
    private final long startNanos;
    private long sampleIndex;
    private double pendingSamples;

    WaveformStreamer(Site site, Map<String, InetSocketAddress> targets, double rateHz) {
        this.site = site;
        this.rateHz = rateHz;
        this.senders = new UdpFrameSender[site.feeds().size()];
        try {
            for (int f = 0; f < senders.length; f++) {
                Feed feed = site.feeds().get(f);
                double vPeak = Math.sqrt(2) * feed.voltageV() / (feed.phases() == 3 ? Math.sqrt(3) : 1);
                double iPeak = Math.sqrt(2) * feed.ratingA() * 3;
                senders[f] = new UdpFrameSender(targets.get(feed.id()), StreamFormat.threePhaseFeed(f + 1, rateHz, feed.id()),
                        SampleEncoding.INT16, new double[]{vPeak * 1.5, vPeak * 1.5, vPeak * 1.5, iPeak, iPeak, iPeak});
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot open the plant's waveform streams", e);
        }
        int perFrame = senders.length == 0 ? 1 : senders[0].maxSamplesPerFrame();
        this.buffer = new double[6][perFrame];
        this.startNanos = System.nanoTime();
    }

    /** Emits the samples of {@code dtS} seconds for every feed, given each feed's state now. */
    void emit(double dtS, boolean[] up, double[] phaseAmps) {
        pendingSamples += dtS * rateHz;
        int n = (int) pendingSamples;
        pendingSamples -= n;
        int perFrame = buffer[0].length;
        double w = 2 * Math.PI * site.frequencyHz();
        for (int done = 0; done < n; ) {
            int k = Math.min(perFrame, n - done);
            long first = sampleIndex + done;
            long firstNanos = startNanos + (long) (first * 1e9 / rateHz);
            for (int f = 0; f < senders.length; f++) {
                Feed feed = site.feeds().get(f);
                double vPeak = up[f] ? Math.sqrt(2) * feed.voltageV() / (feed.phases() == 3 ? Math.sqrt(3) : 1) : 0;
                double iPeak = up[f] ? Math.sqrt(2) * phaseAmps[f] : 0;
                double vNoise = NOISE_V * Math.sqrt(2) * feed.voltageV();
                double iNoise = NOISE_I * Math.sqrt(2) * feed.ratingA();
                double phi = Math.acos(feed.powerFactor());
                double cphi = Math.cos(phi);
                double sphi = Math.sin(phi);
                for (int s = 0; s < k; s++) {
                    double t = (first + s) / rateHz;
                    for (int p = 0; p < 3; p++) {
                        double a = w * t - p * 2 * Math.PI / 3;
                        double c1 = Math.cos(a);
                        double s1 = Math.sin(a);
                        // the current lags by phi: its fundamental angle is a - phi
                        double ci = c1 * cphi + s1 * sphi;
                        double si = s1 * cphi - c1 * sphi;
                        buffer[p][s] = vPeak * withHarmonics(c1, s1, V_HARMONICS) + vNoise * noise();
                        buffer[3 + p][s] = iPeak * withHarmonics(ci, si, I_HARMONICS) + iNoise * noise();
                    }
                }
                try {
                    senders[f].send(buffer, 0, k, firstNanos);
                } catch (IOException e) {
                    // A full socket buffer loses a frame: the receiver counts it as a gap, as it would on a network.
                }
            }
            done += k;
        }
        sampleIndex += n;
    }

    /**
     * The PSU load's current harmonics, relative to the fundamental (odd orders 3–11: an active-PFC server
     * supply's spectrum at high load, THD about 5.5 %) and the voltage's (the 5th and 7th that such a load leaves
     * on the bus, about 1.8 % THD); index = harmonic order.
     */
    static final double[] I_HARMONICS = harmonics(3, 0.035, 5, 0.03, 7, 0.02, 9, 0.01, 11, 0.008);
    static final double[] V_HARMONICS = harmonics(5, 0.015, 7, 0.01);
    /** Measurement noise, a fraction of the nominal peak voltage and of the breaker rating's peak current. */
    static final double NOISE_V = 0.001;
    static final double NOISE_I = 0.002;

    private static double[] harmonics(double... orderAndAmplitude) {
        double[] h = new double[(int) orderAndAmplitude[orderAndAmplitude.length - 2] + 1];
        for (int i = 0; i < orderAndAmplitude.length; i += 2) {
            h[(int) orderAndAmplitude[i]] = orderAndAmplitude[i + 1];
        }
        return h;
    }

    /** sin(a) + Σ h[n]·sin(n·a), from cos a and sin a (the harmonics by rotation, no further trigonometry). */
    static double withHarmonics(double c1, double s1, double[] h) {
        double y = s1;
        double cn = c1;
        double sn = s1;
        for (int n = 2; n < h.length; n++) {
            double c = cn * c1 - sn * s1;
            sn = sn * c1 + cn * s1;
            cn = c;
            y += h[n] * sn;
        }
        return y;
    }

    private long noiseState = 0x9E3779B97F4A7C15L;

    /** Triangular noise in (-1, 1), from a xorshift generator (cheap enough for MS/s streams). */
    private double noise() {
        long x = noiseState;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        noiseState = x;
        return ((x >>> 40) - ((x >>> 16) & 0xFFFFFF)) / (double) (1 << 24);
    }

    @Override
    public void close() {
        for (UdpFrameSender s : senders) {
            if (s != null) {
                s.close();
            }
        }
    }
}
