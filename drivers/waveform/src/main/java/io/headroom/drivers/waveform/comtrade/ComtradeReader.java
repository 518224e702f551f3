package io.headroom.drivers.waveform.comtrade;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a COMTRADE record (IEEE C37.111-1999 and -2013; ASCII, BINARY, BINARY32 and FLOAT32 .dat) from its
 * .cfg and the .dat beside it. Analog values are returned scaled ({@code a·x + b}); missing values
 * (blank in ASCII, {@code 0x8000} in BINARY) are NaN. A record with several sample rates is returned with the
 * first rate and its .dat timestamps. Errors name the file and line.
 */
public final class ComtradeReader {

    private ComtradeReader() {
    }

    public static ComtradeRecord read(Path cfg) throws IOException {
        List<String> lines = Files.readAllLines(cfg, StandardCharsets.ISO_8859_1);
        Cursor in = new Cursor(cfg, lines);
        String[] l1 = in.next();
        String station = l1[0];
        String device = l1.length > 1 ? l1[1] : "";
        int rev = l1.length > 2 && !l1[2].isBlank() ? in.integer(l1[2]) : 1991;
        String[] l2 = in.next();
        int total = in.integer(l2[0]);
        int nA = in.integer(strip(l2[1], 'A'));
        int nD = in.integer(strip(l2[2], 'D'));
        if (nA + nD != total) {
            throw in.error("channel counts " + nA + "A + " + nD + "D do not add up to " + total);
        }
        List<AnalogChannel> analog = new ArrayList<>();
        for (int c = 0; c < nA; c++) {
            String[] f = in.next();
            if (f.length < 10) {
                throw in.error("an analog channel line needs at least 10 fields, has " + f.length);
            }
            analog.add(new AnalogChannel(f[1], f[2], f[3], f[4], in.real(f[5]), in.real(f[6]), in.real(f[7]),
                    f.length > 10 ? in.real(f[10]) : 1, f.length > 11 ? in.real(f[11]) : 1,
                    f.length > 12 && !f[12].isBlank() ? Character.toUpperCase(f[12].trim().charAt(0)) : 'P'));
        }
        List<DigitalChannel> digital = new ArrayList<>();
        for (int c = 0; c < nD; c++) {
            String[] f = in.next();
            if (f.length == 3) { // 1991: Dn,ch_id,y
                digital.add(new DigitalChannel(f[1], "", "", in.integer(f[2])));
            } else {
                digital.add(new DigitalChannel(f[1], f.length > 2 ? f[2] : "", f.length > 3 ? f[3] : "",
                        f.length > 4 ? in.integer(f[4]) : 0));
            }
        }
        double lf = in.real(in.next()[0]);
        int nrates = in.integer(in.next()[0]);
        double rate = 0;
        int samples = 0;
        for (int r = 0; r < Math.max(1, nrates); r++) {
            String[] f = in.next();
            double samp = in.real(f[0]);
            if (r == 0) {
                rate = samp;
            } else if (samp != rate) {
                // a record sampled faster before the fault than after: read at one rate, its later segments would
                // be time-scaled (a wrong frequency to the detectors); refused rather than replayed wrong
                throw in.error("sample rate " + samp + " Hz in segment " + (r + 1) + " differs from the first ("
                        + rate + " Hz): records with several sample rates are not supported");
            }
            samples = in.integer(f[1]);
        }
        Instant first = in.instant(in.next());
        Instant trigger = in.instant(in.next());
        DataFormat ft;
        try {
            ft = DataFormat.valueOf(in.next()[0].trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw in.error("file type must be ASCII, BINARY, BINARY32 or FLOAT32");
        }
        double timemult = in.hasNext() ? in.real(in.next()[0]) : 1;

        String name = cfg.getFileName().toString();
        String base = name.substring(0, name.length() - 4);
        Path dat = cfg.resolveSibling(base + (Character.isUpperCase(name.charAt(name.length() - 1)) ? ".DAT" : ".dat"));
        double[][] values = new double[nA][samples];
        boolean[][] status = new boolean[nD][samples];
        long[] t = new long[samples];
        if (ft == DataFormat.ASCII) {
            try (BufferedReader r = Files.newBufferedReader(dat, StandardCharsets.ISO_8859_1)) {
                String line;
                int i = 0;
                int lineNo = 0;
                while ((line = r.readLine()) != null && i < samples) {
                    lineNo++;
                    if (line.isBlank() || line.charAt(0) == 0x1A) {
                        continue;
                    }
                    String[] f = line.split(",", -1);
                    if (f.length < 2 + nA + nD) {
                        throw new IOException(dat + ":" + lineNo + ": expected " + (2 + nA + nD) + " fields, found "
                                + f.length);
                    }
                    try {
                        t[i] = f[1].isBlank() ? Long.MIN_VALUE : Math.round(Long.parseLong(f[1].trim()) * timemult);
                        for (int c = 0; c < nA; c++) {
                            String v = f[2 + c].trim();
                            values[c][i] = v.isEmpty() || v.equals("99999") ? Double.NaN
                                    : analog.get(c).a() * Double.parseDouble(v) + analog.get(c).b();
                        }
                        for (int c = 0; c < nD; c++) {
                            status[c][i] = Integer.parseInt(f[2 + nA + c].trim()) != 0;
                        }
                    } catch (NumberFormatException e) {
                        throw new IOException(dat + ":" + lineNo + ": not a number: " + e.getMessage(), e);
                    }
                    i++;
                }
                if (i < samples) {
                    throw new IOException(dat + ": " + samples + " samples declared, " + i + " found");
                }
            }
        } else {
            int aBytes = ft == DataFormat.BINARY ? 2 : 4;
            int words = (nD + 15) / 16;
            int recLen = 8 + aBytes * nA + 2 * words;
            byte[] all = Files.readAllBytes(dat);
            if (all.length < (long) recLen * samples) {
                throw new IOException(dat + ": " + samples + " samples of " + recLen + " bytes declared, file has "
                        + all.length + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < samples; i++) {
                int p = i * recLen;
                long ts = b.getInt(p + 4) & 0xffff_ffffL;
                t[i] = ts == 0xffff_ffffL ? Long.MIN_VALUE : Math.round(ts * timemult);
                p += 8;
                for (int c = 0; c < nA; c++, p += aBytes) {
                    double x;
                    boolean missing;
                    switch (ft) {
                        case BINARY -> {
                            short s = b.getShort(p);
                            missing = s == Short.MIN_VALUE;
                            x = s;
                        }
                        case BINARY32 -> {
                            int s = b.getInt(p);
                            missing = s == Integer.MIN_VALUE;
                            x = s;
                        }
                        default -> {
                            float s = b.getFloat(p);
                            missing = Float.isNaN(s);
                            x = s;
                        }
                    }
                    values[c][i] = missing ? Double.NaN : analog.get(c).a() * x + analog.get(c).b();
                }
                for (int c = 0; c < nD; c++) {
                    int word = b.getShort(p + 2 * (c / 16)) & 0xffff;
                    status[c][i] = (word & (1 << (c % 16))) != 0;
                }
            }
        }
        if (rate <= 0 && samples > 1 && t[0] != Long.MIN_VALUE && t[samples - 1] != Long.MIN_VALUE) {
            rate = (samples - 1) * 1e6 / (t[samples - 1] - t[0]);
        }
        return new ComtradeRecord(station, device, rev == 2013 ? 2013 : 1999, lf, rate, first, trigger, analog,
                digital, values, status, t);
    }

    private static String strip(String s, char suffix) {
        String t = s.trim();
        return !t.isEmpty() && Character.toUpperCase(t.charAt(t.length() - 1)) == suffix
                ? t.substring(0, t.length() - 1) : t;
    }

    private static final class Cursor {
        private final Path file;
        private final List<String> lines;
        private int at;

        Cursor(Path file, List<String> lines) {
            this.file = file;
            this.lines = lines;
        }

        boolean hasNext() {
            while (at < lines.size() && lines.get(at).isBlank()) {
                at++;
            }
            return at < lines.size();
        }

        String[] next() throws IOException {
            if (!hasNext()) {
                throw new IOException(file + ": ends early, after line " + at);
            }
            String[] f = lines.get(at++).split(",", -1);
            for (int i = 0; i < f.length; i++) {
                f[i] = f[i].trim();
            }
            return f;
        }

        IOException error(String msg) {
            return new IOException(file + ":" + at + ": " + msg);
        }

        int integer(String s) throws IOException {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw error("not an integer: '" + s + "'");
            }
        }

        double real(String s) throws IOException {
            try {
                return s.isBlank() ? 0 : Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw error("not a number: '" + s + "'");
            }
        }

        Instant instant(String[] f) throws IOException {
            if (f.length < 2) {
                throw error("expected dd/mm/yyyy,hh:mm:ss.ssssss");
            }
            try {
                String[] d = f[0].split("/");
                LocalDate date = LocalDate.of(Integer.parseInt(d[2]), Integer.parseInt(d[1]), Integer.parseInt(d[0]));
                String time = f[1];
                int dot = time.indexOf('.');
                int nanos = 0;
                if (dot >= 0) {
                    String frac = (time.substring(dot + 1) + "000000000").substring(0, 9);
                    nanos = Integer.parseInt(frac);
                    time = time.substring(0, dot);
                }
                LocalTime lt = LocalTime.parse(time).withNano(nanos);
                return date.atTime(lt).toInstant(ZoneOffset.UTC);
            } catch (RuntimeException e) {
                throw error("not a date and time: '" + String.join(",", f) + "'");
            }
        }
    }
}
