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
    private double[][] buffer;
    private final long startNanos;
    private long sampleIndex;
    private double pendingSamples;

    private volatile boolean targeted;

    /** SV mode: the raw socket on lo, and per feed its encoder; null in UDP mode. */
    private io.headroom.drivers.waveform.sv.AfPacketChannel svChannel;
    private io.headroom.drivers.waveform.sv.SvEncoder[] svEncoders;
    private int svAsdus;
    private int svModulus;
    private byte[] svFrame;
    private int[] svValues;
    private int[] svQuality;

    /**
     * The same front-end publishing IEC 61850-9-2 / 61869-9 Sampled Values instead: per feed the stream
     * {@code streams} names (its MAC, APPID, svID and profile: the rate must be the profile's), frames of the
     * profile's ASDUs sent through one AF_PACKET socket on {@code lo}, values in counts of the stream's scales.
     * Sends nothing until {@link #publish}.
     *
     * @throws IOException when the raw socket cannot be opened (no CAP_NET_RAW)
     */
    static WaveformStreamer sv(Site site, java.util.List<io.headroom.appliance.site.WaveformStream.Sv> streams)
            throws IOException {
        io.headroom.drivers.waveform.sv.SvProfile profile = streams.getFirst().profile();
        int hz = (int) Math.round(site.frequencyHz());
        WaveformStreamer w = new WaveformStreamer(site, profile.sampleRate(hz));
        try {
            w.svChannel = io.headroom.drivers.waveform.sv.AfPacketChannel.open(streams.getFirst().interfaceName(),
                    io.headroom.drivers.waveform.sv.AfPacketChannel.ETH_P_SV, null, 100);
        } catch (IOException e) {
            w.close();
            throw e;
        }
        w.svEncoders = new io.headroom.drivers.waveform.sv.SvEncoder[site.feeds().size()];
        w.svAsdus = profile.asdusPerFrame();
        w.svModulus = profile.smpCntModulus(hz);
        for (int f = 0; f < site.feeds().size(); f++) {
            String id = site.feeds().get(f).id();
            io.headroom.appliance.site.WaveformStream.Sv s = streams.stream().filter(x -> x.feedId().equals(id))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no SV stream for feed " + id));
            byte[] src = io.headroom.drivers.waveform.sv.SvFrames.parseMac("02-00-00-00-00-00");
            src[4] = (byte) (s.appId() >> 8);
            src[5] = (byte) s.appId();
            w.svEncoders[f] = new io.headroom.drivers.waveform.sv.SvEncoder(
                    io.headroom.drivers.waveform.sv.SvFrames.parseMac(s.destinationMac()), src, -1, s.appId(), s.svId(),
                    1, 2, w.svModulus);
        }
        int perFrame = w.buffer[0].length;
        w.buffer = new double[6][perFrame - perFrame % 24]; // whole frames of every profile (1, 2, 6 or 8 ASDUs)
        w.svFrame = new byte[1500];
        w.svValues = new int[w.svAsdus * io.headroom.drivers.waveform.sv.SvFrames.CHANNELS];
        w.svQuality = new int[w.svValues.length];
        w.svScale = new double[]{streams.getFirst().voltsPerCount(), streams.getFirst().ampsPerCount()};
        return w;
    }

    private double[] svScale;

    boolean publishesSv() {
        return svChannel != null;
    }

    /** SV mode: starts publishing (the appliance opens the streams itself; nothing to retarget). */
    void publish() {
        targeted = true;
    }

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
        if (svChannel != null) {
            throw new IllegalStateException("forged frames are UDP frames: run the bench with its UDP waveform "
                    + "streams (--udp-waveforms, Bench.Options.withUdpWaveforms)");
        }
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
        if (svChannel != null) {
            n -= n % svAsdus; // whole SV frames
        }
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
                    if (svChannel != null) {
                        sendSv(f, first, k);
                    } else {
                        senders[f].send(buffer, 0, k, firstNanos);
                    }
                } catch (IOException e) {
                    // A full socket buffer loses a frame: the receiver counts it as a gap, as it would on a network.
                }
            }
            done += k;
        }
        sampleIndex += n;
    }

    /** Feed {@code f}'s {@code k} samples in the buffer (sample index {@code first} on) as SV frames. */
    private void sendSv(int f, long first, int k) throws IOException {
        io.headroom.drivers.waveform.sv.SvEncoder enc = svEncoders[f];
        double vScale = svScale[0];
        double iScale = svScale[1];
        for (int s = 0; s < k; s += svAsdus) {
            for (int a = 0; a < svAsdus; a++) {
                int base = a * io.headroom.drivers.waveform.sv.SvFrames.CHANNELS;
                for (int p = 0; p < 3; p++) {
                    svValues[base + p] = (int) Math.round(buffer[3 + p][s + a] / iScale);     // Ia Ib Ic
                    svValues[base + 4 + p] = (int) Math.round(buffer[p][s + a] / vScale); // Va Vb Vc
                }
            }
            int len = enc.encode(svFrame, 0, svAsdus, (int) ((first + s) % svModulus), false, svValues, svQuality);
            svChannel.send(svFrame, len);
        }
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
        if (svChannel != null) {
            svChannel.close();
        }
        for (UdpFrameSender s : senders) {
            if (s != null) {
                s.close();
            }
        }
    }
}
