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
 * The plant's CT/PT front-end: per feed a 3 V + 3 I sine stream in the waveform module's UDP frame format
 * (int16), at {@code sampleRateHz}. Voltage is the feed's nominal line-to-neutral voltage while the feed is
 * up and collapses to nothing the sample it is lost; current follows the feed's per-phase current at the power
 * factor's angle. Driven by the plant's steps; samples carry their monotonic timestamps.
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
                double phi = Math.acos(feed.powerFactor());
                for (int s = 0; s < k; s++) {
                    double t = (first + s) / rateHz;
                    for (int p = 0; p < 3; p++) {
                        double a = w * t - p * 2 * Math.PI / 3;
                        buffer[p][s] = vPeak * Math.sin(a);
                        buffer[3 + p][s] = iPeak * Math.sin(a - phi);
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

    @Override
    public void close() {
        for (UdpFrameSender s : senders) {
            if (s != null) {
                s.close();
            }
        }
    }
}
