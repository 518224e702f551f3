package io.headroom.drivers.waveform.spi;

import com.pi4j.context.Context;
import io.headroom.drivers.waveform.ChannelSpec;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An ADS131M-class simultaneous-sampling ADC on SPI (ADS131M08: 8 channels, 24 bits) as a {@link SampleSource}.
 * On each DRDY falling edge the reader clocks one frame with the NULL command ({@link Ads131mFrame}), checks its
 * CRC-16-CCITT and converts the configured channels' codes to V and A ({@link AdcChannel}). One frame is one
 * sample of every channel.
 *
 * <p>Timestamps: a block's first sample carries its DRDY edge time ({@link System#nanoTime()} clock, monotonic);
 * later samples of the block are at the nominal rate from it. A block never spans a gap. A frame with a bad CRC
 * is counted as {@code corrupt} and as one lost frame/sample and is never delivered; an edge interval of k
 * nominal periods (k &ge; 2, rounded) means k−1 conversions were missed, counted as lost. In both cases the next
 * block starts at the next good sample and carries {@link SampleBlock#samplesLostBefore()}, so the DSP
 * restarts its windows rather than seeing garbage.
 *
 * <p>{@link #read} fills the block up to its capacity (latency = capacity / rate: size blocks accordingly),
 * returns early with what it has when DRDY stays quiet for the timeout, and returns 0 when nothing came.
 * Buffers are allocated once; nothing is allocated per sample. One reader thread; {@link #close()} from any.
 */
public final class SpiAdcSampleSource implements SampleSource {

    /**
     * @param streamId        reported in the format (the SPI has none of its own)
     * @param sampleRateHz    the converter's output data rate, f<sub>CLKIN</sub> / (2 × OSR) (4 kSPS at 8.192 MHz and
     *                        OSR 1024, the default)
     * @param deviceChannels  channels the converter sends in a frame (2, 3, 4, 6 or 8 for ADS131M02 … M08)
     * @param wordLength      as programmed in MODE.WLENGTH (24 bits after reset)
     * @param channels        channels delivered, in block order
     * @param drdyTimeoutNanos how long {@link #read} waits for a DRDY edge
     */
    public record Config(long streamId, double sampleRateHz, int deviceChannels, WordLength wordLength,
                         List<AdcChannel> channels, long drdyTimeoutNanos) {
        public Config {
            channels = List.copyOf(channels);
            if (deviceChannels < 1 || deviceChannels > 8) {
                throw new IllegalArgumentException("deviceChannels must be 1..8, was " + deviceChannels);
            }
            if (channels.isEmpty()) {
                throw new IllegalArgumentException("at least one channel");
            }
            for (AdcChannel c : channels) {
                if (c.input() >= deviceChannels) {
                    throw new IllegalArgumentException(c.spec().name() + ": input " + c.input()
                            + " beyond the device's " + deviceChannels + " channels");
                }
            }
            if (!(sampleRateHz > 0)) {
                throw new IllegalArgumentException("sampleRateHz must be > 0, was " + sampleRateHz);
            }
            if (drdyTimeoutNanos < 1) {
                throw new IllegalArgumentException("drdyTimeoutNanos must be >= 1");
            }
        }

        /** An ADS131M08 with 24-bit words and a 50 ms DRDY timeout. */
        public static Config ads131m08(long streamId, double sampleRateHz, List<AdcChannel> channels) {
            return new Config(streamId, sampleRateHz, 8, WordLength.BITS_24, channels, 50_000_000L);
        }
    }

    private final Config config;
    private final AdcLink link;
    private final StreamFormat format;
    private final int deviceChannels;
    private final WordLength wl;
    private final int frameLen;
    private final int[] inputs;
    private final double[] unitsPerCode;
    private final double rate;
    private final double periodNanos;
    private final byte[] tx;
    private final byte[] rx;

    // the next good frame, read but not yet delivered (a block ends before a gap)
    private boolean haveFrame;
    private long frameNanos;
    private long frameIndex;
    private long frameGapBefore;
    private long pendingGap;

    private boolean haveLastEdge;
    private long lastEdgeNanos;
    private long edgeIndex;   // DRDY periods since the first edge, missed ones included
    private int lastStatus;

    private long frames;
    private long samples;
    private long framesLost;
    private long samplesLost;
    private long corrupt;
    private long lastFrameNanos;
    private volatile int publish; // written after the counters: makes them visible to stats()
    private volatile boolean closed;

    public SpiAdcSampleSource(Config config, AdcLink link) {
        this.config = config;
        this.link = link;
        this.deviceChannels = config.deviceChannels();
        this.wl = config.wordLength();
        this.frameLen = Ads131mFrame.frameBytes(deviceChannels, wl);
        List<ChannelSpec> specs = new ArrayList<>();
        inputs = new int[config.channels().size()];
        unitsPerCode = new double[inputs.length];
        for (int c = 0; c < inputs.length; c++) {
            AdcChannel ch = config.channels().get(c);
            specs.add(ch.spec());
            inputs[c] = ch.input();
            unitsPerCode[c] = ch.unitsPerCode();
        }
        this.format = new StreamFormat(config.streamId(), config.sampleRateHz(), specs);
        this.rate = config.sampleRateHz();
        this.periodNanos = 1e9 / rate;
        this.tx = new byte[frameLen]; // NULL command (0x0000) then zeros; input CRC is off by default
        this.tx[0] = (byte) (Ads131mFrame.NULL_COMMAND >>> 8);
        this.tx[1] = (byte) Ads131mFrame.NULL_COMMAND;
        this.rx = new byte[frameLen];
    }

    /** Opens the converter through Pi4J on {@code context} (the caller's, which it keeps). */
    public static SpiAdcSampleSource open(Context context, Pi4jAdcLink.Wiring wiring, Config config, String id) {
        return new SpiAdcSampleSource(config, new Pi4jAdcLink(context, wiring, id));
    }

    public Config config() {
        return config;
    }

    /** The hardware link (package-private, for the Pi4J wiring test). */
    AdcLink link() {
        return link;
    }

    /** The STATUS word of the last good frame (LOCK, RESET, WLENGTH, DRDY bits: see {@link Ads131mFrame}). */
    public int lastStatus() {
        int acquire = publish;
        return acquire == Integer.MIN_VALUE ? 0 : lastStatus;
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    @Override
    public int read(SampleBlock into) throws IOException {
        if (closed) {
            return -1;
        }
        if (into.channels() < inputs.length) {
            throw new IllegalArgumentException("block has " + into.channels() + " channels, source " + inputs.length);
        }
        double[][] dst = into.channelsArray();
        int cap = into.capacity();
        int n = 0;
        long blockNanos = 0;
        long blockSeq = 0;
        long blockLost = 0;
        while (n < cap) {
            if (!haveFrame && !acquire()) {
                break;
            }
            if (n > 0 && frameGapBefore > 0) {
                break; // the next block starts after the gap
            }
            if (n == 0) {
                blockNanos = frameNanos;
                blockSeq = frameIndex;
                blockLost = frameGapBefore;
            }
            for (int c = 0; c < inputs.length; c++) {
                dst[c][n] = Ads131mFrame.code(rx, inputs[c], wl) * unitsPerCode[c];
            }
            haveFrame = false;
            frameGapBefore = 0;
            n++;
        }
        if (n == 0) {
            publish = (int) frames;
            return closed ? -1 : 0;
        }
        into.set(n, blockNanos, rate, blockSeq, blockLost);
        frames += n;
        samples += n;
        publish = (int) frames;
        return n;
    }

    /** Reads frames until a good one is in {@link #rx}; false on a DRDY timeout or once closed. */
    private boolean acquire() throws IOException {
        while (!closed) {
            long t;
            try {
                t = link.awaitDataReady(config.drdyTimeoutNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for DRDY");
            }
            if (t == AdcLink.NO_EDGE) {
                return false;
            }
            if (haveLastEdge) {
                long periods = Math.round((t - lastEdgeNanos) / periodNanos);
                long missed = Math.max(0, periods - 1);
                if (missed > 0) {
                    framesLost += missed;
                    samplesLost += missed;
                    pendingGap += missed;
                }
                edgeIndex += Math.max(1, periods);
            }
            haveLastEdge = true;
            lastEdgeNanos = t;
            link.transfer(tx, rx, frameLen);
            if (!Ads131mFrame.crcOk(rx, deviceChannels, wl)) {
                corrupt++;
                framesLost++;
                samplesLost++;
                pendingGap++;
                publish = (int) corrupt;
                continue;
            }
            lastStatus = Ads131mFrame.status(rx);
            lastFrameNanos = t;
            frameNanos = t;
            frameIndex = edgeIndex;
            frameGapBefore = pendingGap;
            pendingGap = 0;
            haveFrame = true;
            return true;
        }
        return false;
    }

    @Override
    public SourceStats stats() {
        int acquire = publish; // the volatile read orders the plain reads below after the reader's writes
        return new SourceStats(frames, samples, framesLost, samplesLost, 0, 0, 0, corrupt, 0,
                acquire == Integer.MIN_VALUE ? 0 : lastFrameNanos);
    }

    @Override
    public void close() {
        closed = true;
        link.close();
    }
}
