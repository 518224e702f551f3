package io.headroom.drivers.waveform.sv;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One IEC 61850-9-2 / 61869-9 Sampled Values stream as a {@link SampleSource}: raw frames from a
 * {@link RawFrameChannel} (an AF_PACKET socket, or memory), selected by destination MAC, APPID and svID
 * ({@link SvDecoder}), the dataset's channels mapped to the source's channels and scaled (1 mA and 10 mV per count
 * unless configured). The blocks are those every other source fills, so the DSP downstream is the same.
 *
 * <ul>
 *   <li><b>smpCnt.</b> Counts 0 … rate − 1 and wraps. A sample ahead of the expected one by at most
 *   {@link #MAX_GAP_FRAMES} frames is a gap: the skipped samples are lost ({@code samplesLost}, the next block's
 *   {@link SampleBlock#samplesLostBefore()}). One just behind is dropped ({@code duplicates}); one further ahead or
 *   behind is suspect (dropped, {@code suspect}: a stray or forged frame cannot move the stream) unless
 *   {@link Options#resyncFrames()} frames in a row continue each other: a merging unit that restarted its count; the
 *   stream moves to it ({@code resyncs}). A stream quiet for more than {@link #RESTART_AFTER_NANOS} starts again at
 *   its next frame, the quiet time counted lost.</li>
 *   <li><b>Quality.</b> A sample whose mapped channels are not all good (validity invalid or questionable, or the
 *   test bit) is neither delivered nor read as zero: it is withheld and counted ({@link SvStats#qualityWithheld()}),
 *   the next good sample carries it as lost (the DSP restarts its windows, as for any gap), and
 *   {@link #qualityDegraded()} holds until a good sample comes. A stream of bad samples therefore delivers nothing:
 *   the feed reads neither collapsed nor healthy, and the appliance's silent-stream alarm (its deadline) raises.</li>
 *   <li><b>Simulation.</b> A frame with the simulation bit (Reserved 1, bit 15) is refused unless
 *   {@link Options#allowSimulation()} ({@link SvStats#simulationRefused()}).</li>
 *   <li><b>Bad frames</b> are counted ({@code corrupt}) with the last one's error and byte offset
 *   ({@link SvStats#lastError()}), never thrown.</li>
 * </ul>
 * Timestamps: SV frames carry none; the first sample of the stream is stamped with the receive time on
 * {@code nanoTime}, the next ones follow at the nominal rate (gaps included), and the timeline is re-anchored at a
 * restart or resync. Buffers are allocated once; {@link #read} allocates nothing per frame. One reader thread.
 */
public final class SvSampleSource implements SampleSource {

    /**
     * A sample ahead of the expected one by at most this many frames' samples is a gap (the frames between lost);
     * further ahead, or behind by more, it is suspect until {@code resyncFrames} frames continue each other.
     */
    public static final int MAX_GAP_FRAMES = 64;

    /** A stream quiet for longer than this (250 ms) starts again at its next frame. */
    public static final long RESTART_AFTER_NANOS = 250_000_000L;

    /**
     * @param profile         9-2LE 80 / 256 samples per cycle, or 61869-9 4800 / 14400 S/s
     * @param nominalHz       50 or 60 (the 9-2LE rates follow it)
     * @param destinationMac  the stream's multicast address, e.g. {@code 01-0C-CD-04-00-01}, or null for any
     * @param appId           0..65535, or -1 for any
     * @param svId            the stream's svID (required: a merging unit publishes several)
     * @param datasetIndex    per source channel, the dataset channel it reads (0 Ia, 1 Ib, 2 Ic, 3 In, 4 Va, 5 Vb,
     *                        6 Vc, 7 Vn)
     * @param scale           per source channel, V or A per count
     * @param allowSimulation accept frames with the simulation bit
     * @param resyncFrames    frames in a row with a continuous but unexpected smpCnt before the stream follows them
     */
    public record Options(SvProfile profile, int nominalHz, String destinationMac, int appId, String svId,
                          int[] datasetIndex, double[] scale, boolean allowSimulation, int resyncFrames) {
        public Options {
            if (profile == null || svId == null || svId.isEmpty()) {
                throw new IllegalArgumentException("profile and svID are required");
            }
            profile.sampleRate(nominalHz); // checks 50 / 60
            if (destinationMac != null) {
                SvFrames.parseMac(destinationMac);
            }
            if (appId < -1 || appId > 0xffff) {
                throw new IllegalArgumentException("APPID must be 0..65535, was " + appId);
            }
            datasetIndex = datasetIndex.clone();
            scale = scale.clone();
            if (datasetIndex.length == 0 || datasetIndex.length != scale.length) {
                throw new IllegalArgumentException("one dataset index and one scale per channel");
            }
            for (int i = 0; i < datasetIndex.length; i++) {
                if (datasetIndex[i] < 0 || datasetIndex[i] >= SvFrames.CHANNELS) {
                    throw new IllegalArgumentException("dataset index must be 0..7, was " + datasetIndex[i]);
                }
                if (!(scale[i] != 0 && Double.isFinite(scale[i]))) {
                    throw new IllegalArgumentException("scale must be finite and non-zero, was " + scale[i]);
                }
            }
            if (resyncFrames < 2 || resyncFrames > 1024) {
                throw new IllegalArgumentException("resyncFrames must be 2..1024, was " + resyncFrames);
            }
        }

        /** Default amps per count (1 mA) and volts per count (10 mV), the 9-2LE scaling. */
        public static final double AMPS_PER_COUNT = 0.001;
        public static final double VOLTS_PER_COUNT = 0.01;

        /**
         * A feed in {@link StreamFormat#threePhaseFeed} order (Va Vb Vc Ia Ib Ic from dataset channels 4 5 6 0 1 2),
         * 10 mV and 1 mA per count, simulation refused, resync after 8 frames.
         */
        public static Options feed(SvProfile profile, int nominalHz, String destinationMac, int appId, String svId) {
            return new Options(profile, nominalHz, destinationMac, appId, svId, new int[] {4, 5, 6, 0, 1, 2},
                    new double[] {VOLTS_PER_COUNT, VOLTS_PER_COUNT, VOLTS_PER_COUNT, AMPS_PER_COUNT,
                            AMPS_PER_COUNT, AMPS_PER_COUNT}, false, 8);
        }

        /** The same with these scales for the voltage channels (dataset 4..7) and the current ones (0..3). */
        public Options withScale(double voltsPerCount, double ampsPerCount) {
            double[] s = new double[datasetIndex.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = datasetIndex[i] >= 4 ? voltsPerCount : ampsPerCount;
            }
            return new Options(profile, nominalHz, destinationMac, appId, svId, datasetIndex, s, allowSimulation,
                    resyncFrames);
        }

        public Options withSimulationAllowed(boolean allow) {
            return new Options(profile, nominalHz, destinationMac, appId, svId, datasetIndex, scale, allow,
                    resyncFrames);
        }

        public int sampleRate() {
            return profile.sampleRate(nominalHz);
        }
    }

    /**
     * SV-specific counters.
     *
     * @param notSv             frames of another EtherType read from the channel (ignored)
     * @param simulationRefused frames with the simulation bit, refused
     * @param qualityWithheld   samples (per channel) withheld for a mapped channel's quality
     * @param qualityDegraded   the last sample received was withheld for its quality
     * @param lastError         the last malformed frame's error, {@code "byte N: what (found)"}, or null
     */
    public record SvStats(long notSv, long simulationRefused, long qualityWithheld, boolean qualityDegraded,
                          String lastError) {
    }

    private final StreamFormat format;
    private final RawFrameChannel channel;
    private final LongSupplier nanoTime;
    private final SvDecoder decoder;
    private final int[] map;
    private final double[] scale;
    private final boolean allowSimulation;
    private final int modulus;
    private final double rate;
    private final double periodNanos;
    private final int resyncFrames;
    private final byte[] buf = new byte[9018]; // a jumbo frame at most

    // per ASDU of the current frame
    private final boolean[] skip;
    private final long[] lostBefore;
    private final long[] stamp;
    private int asdus;
    private int cursor;

    private boolean started;
    private int expected;
    private double nextNanos;
    private long pendingLost;
    private int suspectRun;
    private int suspectNext;
    private final int maxGap;
    private long lastFrameAt;

    private long frames;
    private long samples;
    private long framesLost;
    private long samplesLost;
    private long duplicates;
    private long corrupt;
    private long foreign;
    private long resyncs;
    private long suspect;
    private long notSv;
    private long simulationRefused;
    private long qualityWithheld;
    private volatile boolean qualityDegraded;
    private SvDecoder.Error lastError = SvDecoder.Error.NONE;
    private int lastErrorOffset;
    private int lastErrorDetail;
    private volatile long lastFrameNanos;
    private volatile int publish;
    private volatile boolean closed;

    private SvSampleSource(RawFrameChannel channel, StreamFormat format, Options o, LongSupplier nanoTime) {
        if (format.channelCount() != o.datasetIndex().length) {
            throw new IllegalArgumentException("the format has " + format.channelCount() + " channels, the map "
                    + o.datasetIndex().length);
        }
        if (Math.abs(format.sampleRateHz() - o.sampleRate()) > 1e-6 * o.sampleRate()) {
            throw new IllegalArgumentException("the format's rate " + format.sampleRateHz() + " Hz is not the "
                    + "profile's " + o.sampleRate() + " S/s");
        }
        this.format = format;
        this.channel = channel;
        this.nanoTime = nanoTime;
        int maxAsdus = 8;
        this.decoder = new SvDecoder(o.destinationMac() == null ? null : SvFrames.parseMac(o.destinationMac()),
                o.appId(), o.svId(), maxAsdus);
        this.map = o.datasetIndex();
        this.scale = o.scale();
        this.allowSimulation = o.allowSimulation();
        this.modulus = o.profile().smpCntModulus(o.nominalHz());
        this.rate = o.sampleRate();
        this.periodNanos = 1e9 / rate;
        this.resyncFrames = o.resyncFrames();
        this.maxGap = Math.min(MAX_GAP_FRAMES * o.profile().asdusPerFrame(), modulus / 2 - 1);
        skip = new boolean[maxAsdus];
        lostBefore = new long[maxAsdus];
        stamp = new long[maxAsdus];
    }

    /**
     * @param format   the source's channels (as many as the map) at the profile's rate
     * @param nanoTime the caller's monotonic clock, ns: the blocks' timestamps and {@code lastFrameNanos}
     */
    public static SvSampleSource open(RawFrameChannel channel, StreamFormat format, Options options,
                                      LongSupplier nanoTime) {
        return new SvSampleSource(channel, format, options, nanoTime);
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    @Override
    public int read(SampleBlock into) throws IOException {
        while (!closed) {
            if (cursor < asdus) {
                int k = deliver(into);
                if (k > 0) {
                    return k;
                }
                continue;
            }
            int n = channel.receive(buf);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                return 0;
            }
            boolean delivers = accept(n);
            publish = (int) frames;
            if (!delivers) {
                return 0; // nothing to deliver from this frame: the caller's loop goes on (and beats its heartbeat)
            }
        }
        return -1;
    }

    private boolean accept(int n) {
        switch (decoder.decode(buf, 0, n)) {
            case NOT_SV -> {
                notSv++;
                return false;
            }
            case FOREIGN -> {
                foreign++;
                return false;
            }
            case MALFORMED -> {
                corrupt++;
                lastError = decoder.error();
                lastErrorOffset = decoder.errorOffset();
                lastErrorDetail = decoder.errorDetail();
                return false;
            }
            case OK -> {
            }
        }
        if (decoder.simulation() && !allowSimulation) {
            simulationRefused++;
            return false;
        }
        long now = nanoTime.getAsLong();
        if (started && now - lastFrameAt > RESTART_AFTER_NANOS) {
            // a long silence: its samples are lost, and the stream starts again at this frame
            long quiet = Math.max(1, Math.round((now - lastFrameAt) * rate / 1e9) - decoder.asdus());
            pendingLost += quiet;
            samplesLost += quiet;
            started = false;
        }
        lastFrameAt = now;
        frames++;
        lastFrameNanos = now;
        asdus = decoder.asdus();
        cursor = 0;
        boolean any = false;
        int[] q = decoder.qualities();
        for (int a = 0; a < asdus; a++) {
            int cnt = decoder.smpCnt(a);
            skip[a] = true;
            if (cnt >= modulus) {
                corrupt++;
                lastError = SvDecoder.Error.SMPCNT_RANGE;
                lastErrorDetail = cnt;
                lastErrorOffset = -1;
                continue;
            }
            if (!started) {
                started = true;
                expected = cnt;
                nextNanos = now - (asdus - 1 - a) * periodNanos;
            }
            int d = Math.floorMod(cnt - expected, modulus);
            if (d != 0) {
                if (d <= maxGap) {
                    pendingLost += d;
                    samplesLost += d;
                    framesLost += (d + asdus - 1) / asdus;
                    nextNanos += d * periodNanos;
                    suspectRun = 0;
                } else if (suspectRun > 0 && cnt == suspectNext && suspectRun + 1 >= resyncFrames * asdus) {
                    // frames that continue each other far from the expected count: the stream moved
                    long lost = d < modulus / 2 ? d : 1; // far ahead: the samples between; behind: unknown
                    suspectRun = 0;
                    resyncs++;
                    pendingLost += lost;
                    samplesLost += lost;
                    nextNanos = now - (asdus - 1 - a) * periodNanos;
                } else {
                    suspectRun = suspectRun > 0 && cnt == suspectNext ? suspectRun + 1 : 1;
                    suspectNext = (cnt + 1) % modulus;
                    if (modulus - d <= maxGap) {
                        duplicates++; // a sample already delivered (or given up on), sent again
                    } else {
                        suspect++;    // far ahead or far behind: a forged, stray or restarted stream
                    }
                    continue;
                }
            } else {
                suspectRun = 0;
            }
            expected = (cnt + 1) % modulus;
            boolean good = true;
            int base = a * SvFrames.CHANNELS;
            for (int c = 0; c < map.length; c++) {
                if (!SvFrames.usable(q[base + map[c]])) {
                    good = false;
                    break;
                }
            }
            if (!good) {
                qualityWithheld++;
                pendingLost++;
                nextNanos += periodNanos;
                qualityDegraded = true;
                continue;
            }
            qualityDegraded = false;
            skip[a] = false;
            lostBefore[a] = pendingLost;
            pendingLost = 0;
            stamp[a] = (long) nextNanos;
            nextNanos += periodNanos;
            any = true;
        }
        return any;
    }

    private int deliver(SampleBlock into) {
        int cap = into.capacity();
        double[][] out = into.channelsArray();
        int[] v = decoder.values();
        int k = 0;
        long lost = 0;
        long t0 = 0;
        while (cursor < asdus && k < cap) {
            if (skip[cursor]) {
                if (k > 0) {
                    break;
                }
                cursor++;
                continue;
            }
            if (k > 0 && lostBefore[cursor] != 0) {
                break;
            }
            if (k == 0) {
                lost = lostBefore[cursor];
                t0 = stamp[cursor];
            }
            int base = cursor * SvFrames.CHANNELS;
            for (int c = 0; c < map.length; c++) {
                out[c][k] = v[base + map[c]] * scale[c];
            }
            k++;
            cursor++;
        }
        if (k > 0) {
            into.set(k, t0, rate, frames, lost);
            samples += k;
            publish = (int) samples;
        }
        return k;
    }

    @Override
    public SourceStats stats() {
        int acquire = publish;
        return new SourceStats(frames, samples, framesLost, samplesLost, 0, 0, duplicates, corrupt, foreign,
                acquire == Integer.MIN_VALUE ? 0 : lastFrameNanos, 0, suspect, resyncs, 0);
    }

    /** The SV-specific counters (the last error in words allocates: for status pages, not per frame). */
    public SvStats svStats() {
        int acquire = publish;
        String err = lastError == SvDecoder.Error.NONE || acquire == Integer.MIN_VALUE ? null
                : (lastErrorOffset >= 0 ? "byte " + lastErrorOffset + ": " : "") + lastError.text() + " ("
                + lastErrorDetail + ")";
        return new SvStats(notSv, simulationRefused, qualityWithheld, qualityDegraded, err);
    }

    /** Whether the last sample received was withheld for its quality (the stream is degraded). */
    public boolean qualityDegraded() {
        return qualityDegraded;
    }

    @Override
    public void close() {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SvSampleSource" + Arrays.toString(map);
    }
}
