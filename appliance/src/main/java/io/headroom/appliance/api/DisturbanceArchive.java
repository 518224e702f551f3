package io.headroom.appliance.api;

import io.headroom.drivers.waveform.comtrade.AnalogChannel;
import io.headroom.drivers.waveform.comtrade.ComtradeReader;
import io.headroom.drivers.waveform.comtrade.ComtradeRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The disturbance records (COMTRADE {@code .cfg}/{@code .dat} pairs) in the appliance's {@code DATA/disturbances}
 * folder, as the API shows them: a list newest first, each file by its name, and a record's samples as JSON for
 * the dashboard's viewer. Only names the recorder writes are served ({@code dr-…}, letters, digits, {@code _} and
 * {@code -}), so no request can reach a file outside the folder. Blocking file I/O: callers run it on a worker.
 */
public final class DisturbanceArchive {

    /** What a record's id looks like: the base name the recorder writes. */
    static final Pattern ID = Pattern.compile("dr-[A-Za-z0-9_-]{1,120}");
    /** The most records a list answers (the newest). */
    static final int MAX_LIST = 500;
    /** The most points per channel the samples view answers; a longer record is decimated (min and max kept). */
    static final int MAX_POINTS = 20_000;

    private final Path directory;

    /** @param directory the folder the recorders write to; it may not exist yet (then there are no records) */
    public DisturbanceArchive(Path directory) {
        this.directory = directory;
    }

    /** The records, newest trigger first, at most {@link #MAX_LIST}; a record whose .cfg cannot be read is listed with its error. */
    public JsonObject list() throws IOException {
        List<Path> cfgs = new ArrayList<>();
        if (Files.isDirectory(directory)) {
            try (Stream<Path> s = Files.list(directory)) {
                s.filter(p -> p.getFileName().toString().endsWith(".cfg"))
                        .filter(p -> ID.matcher(base(p)).matches()).forEach(cfgs::add);
            }
        }
        List<JsonObject> rows = new ArrayList<>();
        for (Path cfg : cfgs) {
            rows.add(summary(cfg));
        }
        rows.sort(Comparator.comparing((JsonObject o) -> o.getString("trigger", "")).reversed()
                .thenComparing(o -> o.getString("id")));
        JsonArray a = new JsonArray();
        rows.stream().limit(MAX_LIST).forEach(a::add);
        return new JsonObject().put("records", a).put("total", rows.size()).put("limit", MAX_LIST);
    }

    /** The file {@code name} ({@code ID.cfg} or {@code ID.dat}) of a record, or empty when there is none. */
    public Optional<Path> file(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            throw new ApiServer.BadParameter("id", "a record's file is ID.cfg or ID.dat, got '" + name + "'");
        }
        String id = name.substring(0, dot);
        String ext = name.substring(dot + 1);
        if (!ext.equals("cfg") && !ext.equals("dat")) {
            throw new ApiServer.BadParameter("id", "a record's file is ID.cfg or ID.dat, got '" + name + "'");
        }
        checkId(id);
        Path p = directory.resolve(id + "." + ext);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * A record's analog channels as JSON: {@code t} in ms relative to the trigger, and per channel its name, unit
     * and values, at most {@code maxPoints} points each (a longer record keeps each bucket's min and max, in order).
     */
    public Optional<JsonObject> samples(String id, int maxPoints) throws IOException {
        checkId(id);
        if (maxPoints < 2 || maxPoints > MAX_POINTS) {
            throw new ApiServer.BadParameter("points", "points must be within 2.." + MAX_POINTS + ", was " + maxPoints);
        }
        Path cfg = directory.resolve(id + ".cfg");
        if (!Files.isRegularFile(cfg)) {
            return Optional.empty();
        }
        ComtradeRecord r;
        try {
            r = ComtradeReader.read(cfg);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        int n = r.sampleCount();
        int[] pick = pick(r.analog(), n, maxPoints);
        long triggerOffsetMicros = java.time.Duration.between(r.firstSample(), r.trigger()).toNanos() / 1000;
        JsonArray t = new JsonArray();
        for (int i : pick) {
            long micros = r.timestampsMicros() != null ? r.timestampsMicros()[i] : Math.round(i * 1e6 / r.sampleRateHz());
            t.add(Math.round((micros - triggerOffsetMicros) / 10.0) / 100.0);
        }
        JsonArray channels = new JsonArray();
        for (int c = 0; c < r.analogChannels().size(); c++) {
            AnalogChannel ch = r.analogChannels().get(c);
            JsonArray v = new JsonArray();
            for (int i : pick) {
                double x = r.analog()[c][i];
                v.add(Double.isFinite(x) ? Math.round(x * 1000) / 1000.0 : null);
            }
            channels.add(new JsonObject().put("name", ch.id()).put("phase", ch.phase()).put("unit", ch.unit()).put("values", v));
        }
        return Optional.of(new JsonObject().put("id", id).put("station", r.stationName()).put("device", r.deviceId())
                .put("feed", feedOf(r.deviceId())).put("trigger", String.valueOf(r.trigger()))
                .put("firstSample", String.valueOf(r.firstSample())).put("sampleRateHz", r.sampleRateHz())
                .put("samples", n).put("points", pick.length).put("decimated", pick.length < n)
                .put("t", t).put("channels", channels));
    }

    /**
     * The indices drawn: every sample when they fit, else per bucket of samples the first channel's min and max
     * (in time order), so a fault's peaks survive the decimation.
     */
    static int[] pick(double[][] analog, int n, int maxPoints) {
        if (n <= maxPoints) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int buckets = maxPoints / 2;
        int[] out = new int[buckets * 2];
        int k = 0;
        double[] ref = analog.length > 0 ? analog[0] : null;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            int lo = from, hi = from;
            if (ref != null) {
                for (int i = from; i < to; i++) {
                    if (ref[i] < ref[lo]) {
                        lo = i;
                    }
                    if (ref[i] > ref[hi]) {
                        hi = i;
                    }
                }
            } else {
                hi = to - 1;
            }
            if (lo == hi) { // a flat bucket (n > maxPoints: every bucket has at least two samples)
                hi = lo + 1 < to ? lo + 1 : lo - 1;
            }
            out[k++] = Math.min(lo, hi);
            out[k++] = Math.max(lo, hi);
        }
        return out;
    }

    private static void checkId(String id) {
        if (!ID.matcher(id).matches()) {
            throw new ApiServer.BadParameter("id", "no such record id '" + id + "': an id is dr- then letters, digits, _ or - (as GET /api/v1/disturbances lists them)");
        }
    }

    private static String base(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    /** The recorder writes {@code headroom/FEED} as the recording device's id; anything else has no feed. */
    static String feedOf(String device) {
        return device != null && device.startsWith("headroom/") ? device.substring("headroom/".length()) : null;
    }

    /** The .cfg's header only (no .dat read): station, device, channels, rate, samples, times, format. */
    private JsonObject summary(Path cfg) {
        String id = base(cfg);
        JsonObject o = new JsonObject().put("id", id)
                .put("cfg", "/api/v1/disturbances/" + id + ".cfg").put("dat", "/api/v1/disturbances/" + id + ".dat")
                .put("samplesUrl", "/api/v1/disturbances/" + id + "/samples");
        String named = triggerOfName(id);
        if (named != null) {
            o.put("trigger", named); // even when the .cfg cannot be read: it still sorts by time
        }
        try (BufferedReader in = Files.newBufferedReader(cfg, StandardCharsets.ISO_8859_1)) {
            String[] l1 = fields(in, cfg, 1);
            o.put("station", l1[0]).put("device", l1.length > 1 ? l1[1] : "").put("feed", feedOf(l1.length > 1 ? l1[1] : null));
            String[] l2 = fields(in, cfg, 2);
            int nA = Integer.parseInt(l2[1].trim().replace("A", ""));
            int nD = Integer.parseInt(l2[2].trim().replace("D", ""));
            JsonArray names = new JsonArray();
            int line = 3;
            for (int c = 0; c < nA + nD; c++, line++) {
                String[] f = fields(in, cfg, line);
                if (c < nA) {
                    names.add(f[1] + (f.length > 4 && !f[4].isBlank() ? " [" + f[4] + "]" : ""));
                }
            }
            o.put("analogChannels", names);
            fields(in, cfg, line++); // line frequency
            int nrates = Integer.parseInt(fields(in, cfg, line++)[0].trim());
            double rate = 0;
            long samples = 0;
            for (int r = 0; r < Math.max(1, nrates); r++, line++) {
                String[] f = fields(in, cfg, line);
                if (r == 0) {
                    rate = Double.parseDouble(f[0].trim());
                }
                samples = Long.parseLong(f[1].trim());
            }
            o.put("sampleRateHz", rate).put("samples", samples);
            o.put("firstSample", String.join(",", fields(in, cfg, line++)).trim());
            String cfgTrigger = String.join(",", fields(in, cfg, line++)).trim();
            o.put("trigger", named != null ? named : cfgTrigger);
            o.put("format", fields(in, cfg, line)[0].trim());
            long bytes = Files.size(cfg);
            Path dat = cfg.resolveSibling(id + ".dat");
            bytes += Files.isRegularFile(dat) ? Files.size(dat) : 0;
            o.put("bytes", bytes);
        } catch (IOException | RuntimeException e) {
            o.put("error", cfg.getFileName() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        return o;
    }

    private static final Pattern NAMED_TRIGGER = Pattern.compile("dr-(\\d{10,19})(?:-.*)?");

    /** The trigger as an ISO instant when the recorder's name gives it ({@code dr-EPOCHNANOS…}); else null. */
    static String triggerOfName(String id) {
        java.util.regex.Matcher m = NAMED_TRIGGER.matcher(id);
        if (!m.matches()) {
            return null;
        }
        long nanos;
        try {
            nanos = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null; // beyond a long: not a name the recorder wrote
        }
        return java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    private static String[] fields(BufferedReader in, Path cfg, int line) throws IOException {
        String s = in.readLine();
        if (s == null) {
            throw new IOException("ends at line " + line);
        }
        return s.split(",", -1);
    }
}
