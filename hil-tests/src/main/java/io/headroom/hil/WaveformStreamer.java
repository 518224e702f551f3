package io.headroom.hil;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.waveform.FrameCodec;
import io.headroom.drivers.waveform.SampleEncoding;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.UdpFrameSender;

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
 * samples carry their monotonic timestamps. Each feed's stream leaves from its own socket on 127.0.0.1, bound at
 * construction ({@link #sources}: what the appliance is told to hear), and goes nowhere until
 * {@link #retarget} says where the appliance listens.
 */
final class WaveformStreamer implements AutoCloseable {

    private final Site site;
    private final double rateHz;
    private final UdpFrameSender[] senders;
    private final double[][] buffer;
    private final long startNanos;
    private long sampleIndex;
    private double pendingSamples;

    private volatile boolean targeted;

    WaveformStreamer(Site site, double rateHz) {
        this.site = site;
        this.rateHz = rateHz;
        this.senders = new UdpFrameSender[site.feeds().size()];
        try {
            InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", 9); // replaced by retarget before any send
            for (int f = 0; f < senders.length; f++) {
                Feed feed = site.feeds().get(f);
                double vPeak = Math.sqrt(2) * feed.voltageV() / (feed.phases() == 3 ? Math.sqrt(3) : 1);
                double iPeak = Math.sqrt(2) * feed.ratingA() * 3;
                senders[f] = new UdpFrameSender(new InetSocketAddress("127.0.0.1", 0), nowhere,
                        StreamFormat.threePhaseFeed(f + 1, rateHz, feed.id()), SampleEncoding.INT16,
                        new double[]{vPeak * 1.5, vPeak * 1.5, vPeak * 1.5, iPeak, iPeak, iPeak});
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot open the plant's waveform streams", e);
        }
        int perFrame = senders.length == 0 ? 1 : senders[0].maxSamplesPerFrame();
        this.buffer = new double[6][perFrame];
        this.startNanos = System.nanoTime();
    }

    double rateHz() {
        return rateHz;
    }

    /** Per feed id, the address its stream is sent from. */
    Map<String, InetSocketAddress> sources() {
        Map<String, InetSocketAddress> m = new java.util.LinkedHashMap<>();
        for (int f = 0; f < senders.length; f++) {
            m.put(site.feeds().get(f).id(), senders[f].localAddress());
        }
        return m;
    }

    /** Per feed id, where the appliance listens for it from now on; the streams start with the first call. */
    void retarget(Map<String, InetSocketAddress> targets) {
        for (int f = 0; f < senders.length; f++) {
            InetSocketAddress t = targets.get(site.feeds().get(f).id());
            if (t == null) {
                throw new IllegalArgumentException("no waveform target for feed " + site.feeds().get(f).id());
            }
            senders[f].retarget(t);
        }
        targeted = true;
    }

    /** Forged frames of a fault drill ({@link #forge}). */
    enum Forgery {
        /** from another host (127.0.0.2), with the stream's next sequence numbers */
        STRANGER,
        /** from the front-end's own address and port, a million frames ahead of the stream */
        FAR_AHEAD,
        /** from the front-end's own address and port, in sequence, announcing twice the sample rate */
        OTHER_RATE
    }

    /** How far ahead {@link Forgery#FAR_AHEAD} frames claim to be. */
    static final long FAR_AHEAD_FRAMES = 1_000_000;

    /**
     * Sends {@code count} forged frames of feed {@code feedIndex}'s stream to where it goes now: every sample 0, a
     * collapsed feed, which the appliance would take for a feed loss were it to read them. Valid frames otherwise
     * (magic, stream id, layout, CRC), 10 samples each.
     */
    void forge(int feedIndex, Forgery kind, int count) throws IOException {
        UdpFrameSender own = senders[feedIndex];
        StreamFormat format = own.format();
        double rate = kind == Forgery.OTHER_RATE ? 2 * rateHz : rateHz;
        long seq = own.nextSequence() + (kind == Forgery.FAR_AHEAD ? FAR_AHEAD_FRAMES : 0);
        float[] scales = new float[format.channelCount()];
        java.util.Arrays.fill(scales, 1f);
        double[][] zeros = new double[format.channelCount()][10];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(FrameCodec.MAX_DATAGRAM);
        try (UdpFrameSender stranger = kind == Forgery.STRANGER
                ? new UdpFrameSender(new InetSocketAddress("127.0.0.2", 0), own.target(), format, SampleEncoding.INT16,
                new double[]{1, 1, 1, 1, 1, 1}) : null) {
            for (int k = 0; k < count; k++) {
                b.clear();
                FrameCodec.encode(b, format.streamId(), seq + k, System.nanoTime(), rate, SampleEncoding.INT16, format,
                        scales, zeros, 0, 10);
                b.flip();
                (stranger != null ? stranger : own).sendRaw(b);
            }
        }
    }

    /** Emits the samples of {@code dtS} seconds for every feed, given each feed's state now. */
    void emit(double dtS, boolean[] up, double[] phaseAmps) {
        if (!targeted) {
            return;
        }
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
