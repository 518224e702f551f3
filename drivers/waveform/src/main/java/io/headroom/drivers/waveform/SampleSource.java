package io.headroom.drivers.waveform;

import java.io.IOException;

/**
 * A source of sampled waveforms: the network stream from an ADC front-end ({@link UdpSampleSource}), an SPI
 * ADC ({@link io.headroom.drivers.waveform.spi.SpiAdcSampleSource}), or a file replayed
 * ({@link io.headroom.drivers.waveform.comtrade.ComtradeSampleSource}, {@link CsvSampleSource}). One thread reads;
 * {@link #close()} may be called from any thread and makes a blocked {@link #read} return -1.
 */
public interface SampleSource extends AutoCloseable {

    /** Channels (in block order), nominal rate and stream id. */
    StreamFormat format();

    /**
     * Fills {@code into} with the next samples, in order, and returns how many per channel: &gt; 0 samples,
     * 0 when nothing arrived within the source's receive timeout (the caller may check for staleness and call
     * again), -1 at the end of the stream or once closed. Allocates nothing per sample.
     */
    int read(SampleBlock into) throws IOException;

    /** Counters: frames, samples, gaps, reordering, duplicates, corrupt frames. Safe from any thread. */
    SourceStats stats();

    @Override
    void close();
}
