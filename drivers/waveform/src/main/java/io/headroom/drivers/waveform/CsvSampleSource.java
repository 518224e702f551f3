package io.headroom.drivers.waveform;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Replays a plain CSV file as fast as it is read. The first line names the columns; an optional first column
 * {@code t_s} (or {@code time_s}) holds each sample's time in seconds, from which the sample rate is taken
 * (otherwise it must be given). Other columns are channels in engineering units: a name starting with
 * {@code v} or {@code u} is a voltage, with {@code i} a current; a trailing {@code a/b/c}, {@code 1/2/3} or
 * {@code n} is the phase. Lines starting with {@code #} are skipped. Streams the file; errors name the line.
 */
public final class CsvSampleSource implements SampleSource {

    private final Path file;
    private final BufferedReader reader;
    private final StreamFormat format;
    private final boolean timeColumn;
    private final double rate;
    private long startNanos;
    private long index;
    private int lineNo;
    private String pending;
    private long blocks;
    private volatile boolean closed;

    private CsvSampleSource(Path file, BufferedReader reader, StreamFormat format, boolean timeColumn, double rate,
                            long startNanos, String pending, int lineNo) {
        this.file = file;
        this.reader = reader;
        this.format = format;
        this.timeColumn = timeColumn;
        this.rate = rate;
        this.startNanos = startNanos;
        this.pending = pending;
        this.lineNo = lineNo;
    }

    /** Opens {@code file}; {@code sampleRateHz} is used when there is no time column (pass NaN otherwise). */
    public static CsvSampleSource open(Path file, double sampleRateHz) throws IOException {
        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            int lineNo = 0;
            String header;
            do {
                header = r.readLine();
                lineNo++;
            } while (header != null && (header.isBlank() || header.startsWith("#")));
            if (header == null) {
                throw new IOException(file + ": empty");
            }
            String[] names = header.split(",");
            String first = names[0].trim().toLowerCase(Locale.ROOT);
            boolean time = first.equals("t_s") || first.equals("time_s") || first.equals("t");
            List<ChannelSpec> specs = new ArrayList<>();
            for (int i = time ? 1 : 0; i < names.length; i++) {
                specs.add(spec(names[i].trim()));
            }
            double rate = sampleRateHz;
            long start = 0;
            String firstLine = null;
            if (time) {
                String l1 = nextData(r);
                String l2 = l1 == null ? null : nextData(r);
                if (l1 == null || l2 == null) {
                    throw new IOException(file + ": a time column needs at least two samples");
                }
                double t1 = Double.parseDouble(l1.substring(0, l1.indexOf(',')).trim());
                double t2 = Double.parseDouble(l2.substring(0, l2.indexOf(',')).trim());
                if (!(t2 > t1)) {
                    throw new IOException(file + ": time must increase");
                }
                rate = 1.0 / (t2 - t1);
                start = Math.round(t1 * 1e9);
                firstLine = l1 + "\n" + l2;
            } else if (!(sampleRateHz > 0)) {
                throw new IOException(file + ": no t_s column, so the sample rate must be given");
            }
            return new CsvSampleSource(file, r, new StreamFormat(0, rate, specs), time, rate, start, firstLine,
                    lineNo);
        } catch (IOException | RuntimeException e) {
            r.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String nextData(BufferedReader r) throws IOException {
        String l;
        do {
            l = r.readLine();
        } while (l != null && (l.isBlank() || l.startsWith("#")));
        return l;
    }

    static ChannelSpec spec(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        ChannelKind kind = n.startsWith("v") || n.startsWith("u") ? ChannelKind.VOLTAGE
                : n.startsWith("i") ? ChannelKind.CURRENT : ChannelKind.OTHER;
        int phase = switch (n.isEmpty() ? ' ' : n.charAt(n.length() - 1)) {
            case 'a', '1' -> 1;
            case 'b', '2' -> 2;
            case 'c', '3' -> 3;
            case 'n' -> 4;
            default -> 0;
        };
        return new ChannelSpec(name, kind, phase, kind == ChannelKind.VOLTAGE ? "V" : kind == ChannelKind.CURRENT
                ? "A" : "");
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
        double[][] dst = into.channelsArray();
        int channels = format.channelCount();
        int n = 0;
        long first = index;
        while (n < into.capacity()) {
            String line;
            if (pending != null) {
                int nl = pending.indexOf('\n');
                line = nl < 0 ? pending : pending.substring(0, nl);
                pending = nl < 0 ? null : pending.substring(nl + 1);
            } else {
                line = reader.readLine();
                lineNo++;
                if (line == null) {
                    break;
                }
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
            }
            String[] f = line.split(",");
            int off = timeColumn ? 1 : 0;
            if (f.length != channels + off) {
                throw new IOException(file + ":" + lineNo + ": expected " + (channels + off) + " columns, found "
                        + f.length);
            }
            try {
                for (int c = 0; c < channels; c++) {
                    dst[c][n] = Double.parseDouble(f[c + off].trim());
                }
            } catch (NumberFormatException e) {
                throw new IOException(file + ":" + lineNo + ": not a number: " + e.getMessage(), e);
            }
            n++;
            index++;
        }
        if (n == 0) {
            return -1;
        }
        into.set(n, startNanos + (long) Math.rint(first * 1e9 / rate), rate, blocks++, 0);
        return n;
    }

    @Override
    public SourceStats stats() {
        return new SourceStats(blocks, index, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        closed = true;
        try {
            reader.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
