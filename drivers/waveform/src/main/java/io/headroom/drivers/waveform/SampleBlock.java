package io.headroom.drivers.waveform;

/**
 * A reusable block of samples, channel by channel, with the timestamp of its first sample. Sources fill it,
 * the DSP reads it; neither allocates per block. Not thread-safe: one reader thread owns it.
 */
public final class SampleBlock {

    private final double[][] samples;
    private int length;
    private long firstSampleNanos;
    private double sampleRateHz;
    private long sequence;
    private long samplesLostBefore;

    public SampleBlock(int channels, int capacity) {
        if (channels < 1 || capacity < 1) {
            throw new IllegalArgumentException("channels and capacity must be >= 1");
        }
        this.samples = new double[channels][capacity];
    }

    /** The samples of one channel, scaled to engineering units; valid in {@code [0, length())}. */
    public double[] channel(int c) {
        return samples[c];
    }

    /** All channels, {@code [channel][sample]}; for sources and the DSP, which fill and read it in place. */
    public double[][] channelsArray() {
        return samples;
    }

    public int channels() {
        return samples.length;
    }

    public int capacity() {
        return samples[0].length;
    }

    public int length() {
        return length;
    }

    public long firstSampleNanos() {
        return firstSampleNanos;
    }

    public double sampleRateHz() {
        return sampleRateHz;
    }

    /** Sequence number of the frame the block came from (or a block counter for file sources). */
    public long sequence() {
        return sequence;
    }

    /** Samples known to be missing just before this block (lost frames); 0 when the stream is continuous. */
    public long samplesLostBefore() {
        return samplesLostBefore;
    }

    public boolean discontinuity() {
        return samplesLostBefore != 0;
    }

    /** Timestamp of sample {@code i} of this block, ns, on the source's clock. */
    public long timestampNanos(int i) {
        return firstSampleNanos + (long) Math.rint(i * 1e9 / sampleRateHz);
    }

    /** Sets the block's metadata after its samples were written. */
    public void set(int length, long firstSampleNanos, double sampleRateHz, long sequence, long samplesLostBefore) {
        if (length < 0 || length > capacity()) {
            throw new IllegalArgumentException("length " + length + " outside 0.." + capacity());
        }
        this.length = length;
        this.firstSampleNanos = firstSampleNanos;
        this.sampleRateHz = sampleRateHz;
        this.sequence = sequence;
        this.samplesLostBefore = samplesLostBefore;
    }
}
