package io.headroom.drivers.waveform.comtrade;

import io.headroom.drivers.waveform.ChannelKind;
import io.headroom.drivers.waveform.ChannelSpec;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Replays the analog channels of a COMTRADE record as a {@link SampleSource}, as fast as it is read. Channel
 * kinds come from the unit ({@code V}/{@code kV} voltage, {@code A}/{@code kA} current, scaled to V and A),
 * phases from the {@code ph} field.
 */
public final class ComtradeSampleSource implements SampleSource {

    private final ComtradeRecord record;
    private final StreamFormat format;
    private final double[] unitScale;
    private final long startNanos;
    private int cursor;
    private long blocks;
    private volatile boolean closed;

    public ComtradeSampleSource(ComtradeRecord record) {
        this.record = record;
        List<ChannelSpec> specs = new ArrayList<>();
        unitScale = new double[record.analogChannels().size()];
        for (int c = 0; c < unitScale.length; c++) {
            AnalogChannel ch = record.analogChannels().get(c);
            String u = ch.unit().trim();
            String ul = u.toLowerCase(Locale.ROOT);
            unitScale[c] = ul.startsWith("k") ? 1e3 : 1;
            ChannelKind kind = ul.endsWith("v") ? ChannelKind.VOLTAGE : ul.endsWith("a") ? ChannelKind.CURRENT
                    : ChannelKind.OTHER;
            specs.add(new ChannelSpec(ch.id(), kind, phase(ch.phase()),
                    kind == ChannelKind.VOLTAGE ? "V" : kind == ChannelKind.CURRENT ? "A" : u));
        }
        this.format = new StreamFormat(0, record.sampleRateHz(), specs);
        this.startNanos = record.firstSample().getEpochSecond() * 1_000_000_000L + record.firstSample().getNano();
    }

    public static ComtradeSampleSource open(Path cfg) throws IOException {
        return new ComtradeSampleSource(ComtradeReader.read(cfg));
    }

    static int phase(String ph) {
        String p = ph.trim().toUpperCase(Locale.ROOT);
        if (p.isEmpty()) {
            return 0;
        }
        return switch (p.charAt(p.length() - 1)) {
            case 'A', '1' -> 1;
            case 'B', '2' -> 2;
            case 'C', '3' -> 3;
            case 'N' -> 4;
            default -> 0;
        };
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    @Override
    public int read(SampleBlock into) {
        int n = Math.min(into.capacity(), record.sampleCount() - cursor);
        if (closed || n <= 0) {
            return -1;
        }
        double[][] dst = into.channelsArray();
        for (int c = 0; c < unitScale.length; c++) {
            double[] src = record.analog()[c];
            double k = unitScale[c];
            for (int i = 0; i < n; i++) {
                dst[c][i] = src[cursor + i] * k;
            }
        }
        into.set(n, startNanos + (long) Math.rint(cursor * 1e9 / record.sampleRateHz()), record.sampleRateHz(),
                blocks++, 0);
        cursor += n;
        return n;
    }

    @Override
    public SourceStats stats() {
        return new SourceStats(blocks, cursor, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        closed = true;
    }
}
