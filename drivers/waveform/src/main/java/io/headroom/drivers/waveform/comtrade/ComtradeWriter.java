package io.headroom.drivers.waveform.comtrade;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes a {@link ComtradeRecord} as {@code NAME.cfg} + {@code NAME.dat} (ASCII or BINARY) per IEEE
 * C37.111-1999 or -2013. Analog values are stored as 16-bit integers with {@code a = max|v| / 32767},
 * {@code b = 0}; one sample rate ({@code nrates = 1}); timestamps in µs from the rate ({@code timemult = 1}).
 * Lines end in CRLF as the standard asks.
 */
public final class ComtradeWriter {

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("dd/MM/yyyy,HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
    private static final int MAX_COUNT = 32767;

    private ComtradeWriter() {
    }

    /** Writes {@code dir/baseName.cfg} and {@code dir/baseName.dat}; returns the .cfg path. */
    public static Path write(Path dir, String baseName, ComtradeRecord rec, DataFormat format) throws IOException {
        if (format != DataFormat.ASCII && format != DataFormat.BINARY) {
            throw new IllegalArgumentException("the writer writes ASCII or BINARY, not " + format);
        }
        Files.createDirectories(dir);
        int nA = rec.analogChannels().size();
        int n = rec.sampleCount();
        double[] a = new double[nA];
        for (int c = 0; c < nA; c++) {
            double max = 0;
            for (double v : rec.analog()[c]) {
                max = Math.max(max, Math.abs(v));
            }
            a[c] = max == 0 ? 1 : round(max / MAX_COUNT);
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = Math.round(i * 1e6 / rec.sampleRateHz());
        }
        Path cfg = dir.resolve(baseName + ".cfg");
        try (Writer w = Files.newBufferedWriter(cfg, StandardCharsets.US_ASCII)) {
            writeCfg(w, rec, a, n, format);
        }
        Path dat = dir.resolve(baseName + ".dat");
        if (format == DataFormat.ASCII) {
            try (BufferedWriter w = Files.newBufferedWriter(dat, StandardCharsets.US_ASCII)) {
                StringBuilder line = new StringBuilder(256);
                for (int i = 0; i < n; i++) {
                    line.setLength(0);
                    line.append(i + 1).append(',').append(t[i]);
                    for (int c = 0; c < nA; c++) {
                        line.append(',').append(count(rec.analog()[c][i], a[c]));
                    }
                    for (boolean[] d : rec.digital()) {
                        line.append(',').append(d[i] ? 1 : 0);
                    }
                    line.append("\r\n");
                    w.append(line);
                }
            }
        } else {
            int words = (rec.digitalChannels().size() + 15) / 16;
            ByteBuffer b = ByteBuffer.allocate(8 + 2 * nA + 2 * words).order(ByteOrder.LITTLE_ENDIAN);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dat), 1 << 16)) {
                for (int i = 0; i < n; i++) {
                    b.clear();
                    b.putInt(i + 1).putInt((int) t[i]);
                    for (int c = 0; c < nA; c++) {
                        b.putShort((short) count(rec.analog()[c][i], a[c]));
                    }
                    for (int wd = 0; wd < words; wd++) {
                        int bits = 0;
                        for (int k = 0; k < 16 && wd * 16 + k < rec.digital().length; k++) {
                            if (rec.digital()[wd * 16 + k][i]) {
                                bits |= 1 << k;
                            }
                        }
                        b.putShort((short) bits);
                    }
                    out.write(b.array(), 0, b.position());
                }
            }
        }
        return cfg;
    }

    private static long count(double v, double a) {
        long x = Math.round(v / a);
        return Math.max(-MAX_COUNT, Math.min(MAX_COUNT, x));
    }

    private static double round(double v) {
        return new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    private static String num(double v) {
        return new BigDecimal(v).round(new MathContext(12)).stripTrailingZeros().toPlainString();
    }

    private static void writeCfg(Writer w, ComtradeRecord rec, double[] a, int n, DataFormat format)
            throws IOException {
        int nA = rec.analogChannels().size();
        int nD = rec.digitalChannels().size();
        line(w, field(rec.stationName()) + "," + field(rec.deviceId()) + "," + rec.revisionYear());
        line(w, (nA + nD) + "," + nA + "A," + nD + "D");
        for (int c = 0; c < nA; c++) {
            AnalogChannel ch = rec.analogChannels().get(c);
            line(w, (c + 1) + "," + field(ch.id()) + "," + field(ch.phase()) + "," + field(ch.circuit()) + ","
                    + field(ch.unit()) + "," + num(a[c]) + ",0," + num(ch.skewMicros()) + "," + -MAX_COUNT + ","
                    + MAX_COUNT + "," + num(ch.primary()) + "," + num(ch.secondary()) + ","
                    + ch.primaryOrSecondary());
        }
        for (int c = 0; c < nD; c++) {
            DigitalChannel ch = rec.digitalChannels().get(c);
            line(w, (c + 1) + "," + field(ch.id()) + "," + field(ch.phase()) + "," + field(ch.circuit()) + ","
                    + ch.normalState());
        }
        line(w, num(rec.lineFrequencyHz()));
        line(w, "1");
        line(w, num(rec.sampleRateHz()) + "," + n);
        line(w, STAMP.format(rec.firstSample()));
        line(w, STAMP.format(rec.trigger() == null ? rec.firstSample() : rec.trigger()));
        line(w, format.name());
        line(w, "1");
        if (rec.revisionYear() == 2013) {
            line(w, "+0h00,+0h00");
            line(w, "F,0");
        }
    }

    private static String field(String s) {
        return s == null ? "" : s.replace(',', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    private static void line(Writer w, String s) throws IOException {
        w.write(s);
        w.write("\r\n");
    }

    /** The instant as a .cfg date line ({@code dd/mm/yyyy,hh:mm:ss.ssssss}, UTC). */
    static String stamp(Instant t) {
        return STAMP.format(t);
    }
}
