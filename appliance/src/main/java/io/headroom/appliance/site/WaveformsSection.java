package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.MAX_RECORD_S;
import static io.headroom.appliance.site.SiteLoader.RECORD_FORMATS;
import static io.headroom.appliance.site.SiteYaml.quantity;

import java.math.BigDecimal;
import java.util.List;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code waveforms:} stream deadline, loss and sag detection, the disturbance recorder, band power. */
final class WaveformsSection extends SectionReader {
    static final List<String> WAVEFORM_KEYS = List.of("streamDeadline", "detection", "disturbanceRecorder",
            "bandPower", "streams");
    static final List<String> STREAM_SOURCES = List.of("sv", "udp", "spi", "comtrade");
    static final List<String> SV_KEYS = List.of("feed", "source", "interface", "destination", "appId", "svId",
            "profile", "channels", "voltsPerCount", "ampsPerCount", "allowSimulation");
    static final List<String> UDP_KEYS = List.of("feed", "source", "bind", "streamId", "rate", "senders");
    static final List<String> SPI_KEYS = List.of("feed", "source", "bus", "chipSelect", "baud", "drdyPin", "rate",
            "deviceChannels", "inputs", "voltsPerCode", "ampsPerCode");
    static final List<String> COMTRADE_KEYS = List.of("feed", "source", "file", "channels", "loop");
    static final List<String> DETECTION_KEYS = List.of("lossThreshold", "lossPersistence",
            "restoreThreshold", "restorePersistence", "phaseLossThreshold", "sagThreshold", "sagHysteresis",
            "zeroCrossHysteresis", "singlePhase", "singlePhaseCycles");
    static final List<String> RECORDER_KEYS = List.of("enabled", "preTrigger", "postTrigger", "format");
    static final List<String> BAND_KEYS = List.of("window", "rampSpan");

    private final FeedsSection feeds;

    WaveformsSection(SiteReading ctx) {
        this(ctx, null);
    }

    /** @param feeds the feeds read (a stream's feed must be one), or null */
    WaveformsSection(SiteReading ctx, FeedsSection feeds) {
        super(ctx);
        this.feeds = feeds;
    }

    /** A percentage in [min, max] (fractions), else reported. */
    private void percentIn(Val<Double> v, double min, double max) {
        if (v != null && v.ok() && (v.value() < min || v.value() > max)) {
            p.at(v.node(), v.field(), "must be in [" + pct(min) + ", " + pct(max) + "], got " + got(v));
        }
    }

    private static String pct(double f) {
        return BigDecimal.valueOf(f * 100).stripTrailingZeros().toPlainString() + " %";
    }

    private static String seconds(double s) {
        return BigDecimal.valueOf(s).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString()
                + " s";
    }

    WaveformSettings read(MapReader top, Double frequencyHz) {
        WaveformSettings d = WaveformSettings.defaults();
        MapReader w = top.map("waveforms", false, "the waveforms section", WAVEFORM_KEYS);
        if (w == null) {
            return d;
        }
        Val<Long> deadline = w.get("streamDeadline", SiteYaml::millis, false);
        positive(deadline);

        io.headroom.appliance.dsp.DetectionSettings dd = d.detection();
        io.headroom.appliance.dsp.DetectionSettings detection = dd;
        MapReader t = w.map("detection", false, "the detection thresholds", DETECTION_KEYS);
        if (t != null) {
            Val<Double> loss = t.get("lossThreshold", quantity(Kind.PERCENT), false);
            percentIn(loss, 0.01, 0.95);
            Val<Double> lossMs = t.get("lossPersistence", quantity(Kind.TIME), false);
            positive(lossMs);
            if (lossMs != null && lossMs.ok() && lossMs.value() > 0 && frequencyHz != null) {
                double quarterMs = 1000 / frequencyHz / 4;
                if (lossMs.value() >= quarterMs) {
                    p.at(lossMs.node(), lossMs.field(), "must be shorter than a quarter cycle ("
                            + BigDecimal.valueOf(quarterMs).round(new java.math.MathContext(4)).stripTrailingZeros()
                            .toPlainString() + " ms at " + fmt(frequencyHz, "Hz")
                            + ") for the loss to be seen in time, got " + got(lossMs));
                }
            }
            Val<Double> restore = t.get("restoreThreshold", quantity(Kind.PERCENT), false);
            percentIn(restore, 0.01, 1.5);
            double lossF = or(loss, dd.lossFraction());
            if (loss != null && loss.ok() && (lossF < 0.01 || lossF > 0.95)) {
                lossF = dd.lossFraction(); // reported above; compare the others with the default
            }
            if (restore != null && restore.ok() && restore.value() >= 0.01 && restore.value() <= 1.5
                    && restore.value() <= lossF) {
                p.at(restore.node(), restore.field(), "must be above lossThreshold (" + pct(lossF)
                        + "), got " + got(restore));
            }
            Val<Double> restoreMs = t.get("restorePersistence", quantity(Kind.TIME), false);
            notNegative(restoreMs);
            if (restoreMs != null && restoreMs.ok() && restoreMs.value() > 10_000) {
                p.at(restoreMs.node(), restoreMs.field(), "must be at most 10 s, got " + got(restoreMs));
            }
            Val<Double> phase = t.get("phaseLossThreshold", quantity(Kind.PERCENT), false);
            percentIn(phase, 0.01, 0.95);
            Val<Double> sag = t.get("sagThreshold", quantity(Kind.PERCENT), false);
            percentIn(sag, 0.05, 0.99);
            Val<Double> sagH = t.get("sagHysteresis", quantity(Kind.PERCENT), false);
            percentIn(sagH, 0, 0.2);
            double sagF = or(sag, dd.sagFraction());
            if (sag != null && sag.ok() && (sagF < 0.05 || sagF > 0.99)) {
                sagF = dd.sagFraction();
            }
            if (sagH != null && sagH.ok() && sagH.value() >= 0 && sagH.value() <= 0.2
                    && sagF + sagH.value() >= 1) {
                p.at(sagH.node(), sagH.field(), "sagThreshold + sagHysteresis must stay below 100 % (a dip "
                        + "must be able to end), got " + pct(sagF) + " + " + got(sagH));
            }
            Val<Double> zero = t.get("zeroCrossHysteresis", quantity(Kind.PERCENT), false);
            percentIn(zero, 0, 0.5);
            Val<String> single = t.get("singlePhase", oneOf(List.of("contingency", "alarm")), false);
            Val<Double> singleCycles = t.get("singlePhaseCycles", SiteYaml::number, false);
            if (singleCycles != null && singleCycles.ok() && !(singleCycles.value() >= 1.4
                    && singleCycles.value() <= 50)) {
                p.at(singleCycles.node(), singleCycles.field(), "must be 1.4 to 50 cycles (a phase out for one "
                        + "cycle, which the load rides through, stays near zero for up to 1 1/3 cycles), got "
                        + got(singleCycles));
            }
            if (p.isEmpty()) {
                try {
                    detection = new io.headroom.appliance.dsp.DetectionSettings(lossF,
                            or(lossMs, dd.lossPersistenceS() * 1000) / 1000, or(restore, dd.restoreFraction()),
                            or(restoreMs, dd.restorePersistenceS() * 1000) / 1000,
                            or(phase, dd.phaseLossFraction()), sagF, or(sagH, dd.sagHysteresis()),
                            or(zero, dd.zeroCrossHysteresis()),
                            "alarm".equals(value(single)) ? io.headroom.appliance.dsp.DetectionSettings.SinglePhase.ALARM
                                    : dd.singlePhase(), or(singleCycles, dd.singlePhasePersistenceCycles()));
                } catch (IllegalArgumentException e) { // a combination the checks above let through
                    p.at(t.node(), t.path(), e.getMessage());
                }
            }
        }

        boolean enabled = d.recorderEnabled();
        double pre = d.preTriggerS();
        double post = d.postTriggerS();
        String format = d.recordFormat();
        MapReader r = w.map("disturbanceRecorder", false, "the disturbance recorder", RECORDER_KEYS);
        if (r != null) {
            Boolean en = r.opt("enabled", SiteYaml::bool, true);
            enabled = !Boolean.FALSE.equals(en);
            Val<Double> preMs = r.get("preTrigger", quantity(Kind.TIME), false);
            notNegative(preMs);
            Val<Double> postMs = r.get("postTrigger", quantity(Kind.TIME), false);
            notNegative(postMs);
            Val<String> f = r.get("format", oneOf(RECORD_FORMATS), false);
            pre = or(preMs, pre * 1000) / 1000;
            post = or(postMs, post * 1000) / 1000;
            format = or(f, format);
            boolean valid = (preMs == null || preMs.ok()) && (postMs == null || postMs.ok()) && pre >= 0
                    && post >= 0;
            Val<Double> at = postMs != null ? postMs : preMs;
            if (valid && at != null && (pre + post <= 0 || pre + post > MAX_RECORD_S)) {
                p.at(at.node(), at.field(), "preTrigger + postTrigger must be more than 0 s and at most "
                        + seconds(MAX_RECORD_S) + " (the recorder keeps two rings of that length per stream), got "
                        + seconds(pre + post));
            }
        }

        double window = d.bandWindowS();
        double span = d.rampSpanS();
        MapReader b = w.map("bandPower", false, "the band-power settings", BAND_KEYS);
        if (b != null) {
            Val<Double> win = b.get("window", quantity(Kind.TIME), false);
            if (win != null && win.ok() && (win.value() < 10_000 || win.value() > 300_000)) {
                p.at(win.node(), win.field(), "must be 10 s to 5 min (10 s holds one period of the 0.1 Hz band), got "
                        + got(win));
            }
            Val<Double> sp = b.get("rampSpan", quantity(Kind.TIME), false);
            if (sp != null && sp.ok() && sp.value() < 10) {
                p.at(sp.node(), sp.field(), "must be at least 10 ms (one half cycle), got " + got(sp));
            }
            window = or(win, window * 1000) / 1000;
            span = or(sp, span * 1000) / 1000;
            if (sp != null && sp.ok() && sp.value() >= 10 && (win == null || win.ok()) && span >= window) {
                p.at(sp.node(), sp.field(), "must be shorter than the window (" + seconds(window) + "), got "
                        + got(sp));
            }
        }
        List<WaveformStream> streams = streams(w, frequencyHz);
        return new WaveformSettings(detection, or(deadline, d.streamDeadlineMs()), enabled, pre, post, format,
                window, span, streams);
    }

    // ---- streams ----

    private List<WaveformStream> streams(MapReader w, Double frequencyHz) {
        List<WaveformStream> out = new java.util.ArrayList<>();
        List<org.yaml.snakeyaml.nodes.Node> list = w.list("streams", false);
        java.util.Map<String, Val<String>> feedsSeen = new java.util.HashMap<>();
        java.util.Map<String, Val<String>> svSeen = new java.util.HashMap<>();
        java.util.Map<String, Integer> spiSeen = new java.util.HashMap<>();
        for (int i = 0; list != null && i < list.size(); i++) {
            MapReader m = MapReader.open(p, list.get(i), w.field("streams") + "[" + i + "]", "a stream", null);
            if (m == null) {
                continue;
            }
            Val<String> feed = m.get("feed", SiteYaml::string, true);
            if (feed != null && feed.ok()) {
                if (feeds != null && feeds.lacks(feed.value())) {
                    p.at(feed.node(), feed.field(), SiteYaml.unknown("feed", feed.value(), feeds.feedIds));
                } else {
                    Val<String> first = feedsSeen.putIfAbsent(feed.value(), feed);
                    if (first != null) {
                        p.at(feed.node(), feed.field(), "feed " + feed.value() + " already has a stream (line "
                                + first.line() + "): one source per feed");
                    }
                }
            }
            Val<String> source = m.get("source", oneOf(STREAM_SOURCES), true);
            if (source == null || !source.ok()) {
                continue;
            }
            List<String> keys = switch (source.value()) {
                case "sv" -> SV_KEYS;
                case "spi" -> SPI_KEYS;
                case "comtrade" -> COMTRADE_KEYS;
                default -> UDP_KEYS;
            };
            boolean keysOk = true;
            for (String key : m.entries().keySet()) {
                if (!keys.contains(key)) {
                    String near = SiteYaml.closest(key, keys);
                    p.at(m.keyNode(key), m.field(key), "unknown key '" + key + "' for a " + source.value()
                            + " stream; " + (near != null ? "did you mean '" + near + "'?"
                            : "expected one of " + String.join(", ", keys)));
                    keysOk = false;
                }
            }
            WaveformStream s = switch (source.value()) {
                case "sv" -> sv(m, value(feed), frequencyHz, svSeen);
                case "spi" -> spi(m, value(feed), spiSeen);
                case "comtrade" -> comtrade(m, value(feed), frequencyHz);
                default -> udp(m, value(feed));
            };
            if (s != null && keysOk && feed != null && feed.ok()) {
                out.add(s);
            }
        }
        return out;
    }

    private int reported; // problems the stream readers reported themselves

    private void bad(org.yaml.snakeyaml.nodes.Node node, String field, String reason) {
        reported++;
        p.at(node, field, reason);
    }

    private static boolean ok(Val<?> v) {
        return v != null && v.ok();
    }

    /** An optional value that was given but is invalid. */
    private static boolean bad(Val<?> v) {
        return v != null && !v.ok();
    }

    private static final java.util.regex.Pattern IFNAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");

    private WaveformStream sv(MapReader m, String feed, Double frequencyHz, java.util.Map<String, Val<String>> seen) {
        int before = reported;
        Val<String> ifName = m.get("interface", SiteYaml::string, true);
        if (ifName != null && ifName.ok() && !IFNAME.matcher(ifName.value()).matches()) {
            bad(ifName.node(), ifName.field(), "expected a network interface name (1 to 15 letters, digits, "
                    + "'.', '-', '_'), got " + got(ifName));
        }
        Val<String> mac = m.get("destination", SiteYaml::string, true);
        if (mac != null && mac.ok()) {
            try {
                byte[] b = io.headroom.drivers.waveform.sv.SvFrames.parseMac(mac.value());
                if ((b[0] & 1) == 0) {
                    bad(mac.node(), mac.field(), "must be a multicast address (Sampled Values go to "
                            + "01-0C-CD-04-00-00 .. 01-0C-CD-04-01-FF), got " + got(mac));
                }
            } catch (IllegalArgumentException e) {
                bad(mac.node(), mac.field(), "expected a MAC address such as 01-0C-CD-04-00-01, got " + got(mac));
            }
        }
        Val<Integer> appId = m.get("appId", WaveformsSection::appId, true);
        Val<String> svId = m.get("svId", SiteYaml::string, true);
        if (svId != null && svId.ok() && (svId.value().isEmpty() || svId.value().length() > 127
                || !java.nio.charset.StandardCharsets.US_ASCII.newEncoder().canEncode(svId.value()))) {
            bad(svId.node(), svId.field(), "must be 1 to 127 ASCII characters, got " + got(svId));
        }
        Val<String> profileName = m.get("profile", oneOf(List.of("9-2LE-80", "9-2LE-256", "61869-9-4800",
                "61869-9-14400")), true);
        List<String> channels = io.headroom.appliance.site.WaveformStream.Sv.DEFAULT_CHANNELS;
        List<org.yaml.snakeyaml.nodes.Node> ch = m.list("channels", false);
        if (ch != null) {
            List<String> names = new java.util.ArrayList<>();
            List<String> all = List.of(io.headroom.drivers.waveform.sv.SvFrames.CHANNEL_NAMES);
            String[] what = {"V L1", "V L2", "V L3", "I L1", "I L2", "I L3"};
            if (ch.size() != 6) {
                bad(m.value("channels"), m.field("channels"), "expected 6 dataset channels (V L1, V L2, V L3, "
                        + "I L1, I L2, I L3), e.g. [Va, Vb, Vc, Ia, Ib, Ic], got " + ch.size());
            }
            for (int k = 0; k < ch.size() && k < 6; k++) {
                String f = m.field("channels") + "[" + k + "]";
                String n = SiteYaml.string(p, ch.get(k), f);
                if (n == null) {
                    reported++;
                    continue;
                }
                char kind = k < 3 ? 'V' : 'I';
                if (!all.contains(n) || n.charAt(0) != kind) {
                    bad(ch.get(k), f, what[k] + " must be one of the dataset's " + (k < 3 ? "Va, Vb, Vc, Vn"
                            : "Ia, Ib, Ic, In") + ", got \"" + n + "\"");
                } else if (names.contains(n)) {
                    bad(ch.get(k), f, "dataset channel " + n + " is mapped twice");
                }
                names.add(n);
            }
            channels = names;
        }
        Val<Double> volts = m.get("voltsPerCount", SiteYaml::number, false);
        Val<Double> amps = m.get("ampsPerCount", SiteYaml::number, false);
        for (Val<Double> v : java.util.Arrays.asList(volts, amps)) {
            if (v != null && v.ok() && !(v.value() > 0)) {
                bad(v.node(), v.field(), "must be greater than 0, got " + got(v));
            }
        }
        Val<Boolean> sim = m.get("allowSimulation", SiteYaml::bool, false);
        if (reported != before || feed == null || !ok(ifName) || !ok(mac) || !ok(appId) || !ok(svId)
                || !ok(profileName) || bad(volts) || bad(amps) || bad(sim)) {
            return null;
        }
        String key = ifName.value() + "/" + mac.value().toUpperCase(java.util.Locale.ROOT).replace(':', '-') + "/"
                + appId.value() + "/" + svId.value();
        Val<String> first = seen.putIfAbsent(key, svId);
        if (first != null) {
            bad(svId.node(), svId.field(), "the same SV stream (interface, destination, appId, svId) is already "
                    + "read at line " + first.line());
            return null;
        }
        return new WaveformStream.Sv(feed, ifName.value(), mac.value(), appId.value(), svId.value(),
                io.headroom.drivers.waveform.sv.SvProfile.parse(profileName.value()), channels,
                or(volts, io.headroom.drivers.waveform.sv.SvSampleSource.Options.VOLTS_PER_COUNT),
                or(amps, io.headroom.drivers.waveform.sv.SvSampleSource.Options.AMPS_PER_COUNT),
                Boolean.TRUE.equals(value(sim)));
    }

    /** An APPID: a whole number 0..65535, in decimal or as {@code 0x4000}. */
    static Integer appId(SiteYaml.Problems p, org.yaml.snakeyaml.nodes.Node n, String field) {
        String s = SiteYaml.scalar(n);
        Integer v = null;
        if (s != null) {
            s = s.strip();
            try {
                v = s.matches("0[xX][0-9A-Fa-f]{1,4}") ? Integer.valueOf(s.substring(2), 16)
                        : s.matches("\\d{1,5}") ? Integer.valueOf(s) : null;
            } catch (NumberFormatException e) {
                v = null;
            }
        }
        if (v == null || v > 0xffff) {
            p.at(n, field, "expected an APPID 0..65535 (e.g. 0x4000), got " + SiteYaml.describe(n));
            return null;
        }
        return v;
    }

    private WaveformStream udp(MapReader m, String feed) {
        int before = reported;
        Val<Endpoint> bind = m.get("bind", SiteYaml::endpoint, true);
        Val<Double> id = m.get("streamId", SiteYaml::number, true);
        if (id != null && id.ok() && (id.value() < 0 || id.value() > 0xffff_ffffL || id.value() != Math.rint(id.value()))) {
            bad(id.node(), id.field(), "must be a whole number 0..4294967295, got " + got(id));
        }
        Val<Double> rate = m.get("rate", quantity(Kind.SAMPLE_RATE), true);
        if (rate != null && rate.ok() && (rate.value() < 4_800 || rate.value() > 1_000_000)) {
            bad(rate.node(), rate.field(), "must be 4.8 kS/s to 1 MS/s, got " + got(rate));
        }
        List<org.yaml.snakeyaml.nodes.Node> senders = m.list("senders", true);
        List<String> list = new java.util.ArrayList<>();
        for (int k = 0; senders != null && k < senders.size(); k++) {
            String f = m.field("senders") + "[" + k + "]";
            String s = SiteYaml.string(p, senders.get(k), f);
            if (s == null) {
                reported++;
                continue;
            }
            try {
                io.headroom.drivers.waveform.Senders.parse(List.of(s));
                list.add(s);
            } catch (IllegalArgumentException e) {
                bad(senders.get(k), f, e.getMessage());
            }
        }
        if (senders != null && senders.isEmpty()) {
            bad(m.value("senders"), m.field("senders"), "name at least one front-end address: frames from "
                    + "anyone else are dropped");
        }
        if (reported != before || feed == null || !ok(bind) || !ok(id) || !ok(rate) || senders == null) {
            return null;
        }
        return new WaveformStream.Udp(feed, bind.value(), Math.round(id.value()), rate.value(), list);
    }

    /** A whole number in [min, max], else reported; null when absent or bad. */
    private Integer intIn(Val<Integer> v, int min, int max, String why) {
        if (v == null || !v.ok()) {
            return null;
        }
        if (v.value() < min || v.value() > max) {
            bad(v.node(), v.field(), "must be " + min + " to " + max + why + ", got " + got(v));
            return null;
        }
        return v.value();
    }

    private WaveformStream spi(MapReader m, String feed, java.util.Map<String, Integer> seen) {
        int before = reported;
        Val<Integer> bus = m.get("bus", SiteYaml::integer, false);
        Val<Integer> cs = m.get("chipSelect", SiteYaml::integer, false);
        Val<Double> baud = m.get("baud", SiteYaml::number, false);
        Val<Integer> drdy = m.get("drdyPin", SiteYaml::integer, true);
        Val<Double> rate = m.get("rate", quantity(Kind.SAMPLE_RATE), true);
        Val<Integer> devCh = m.get("deviceChannels", SiteYaml::integer, false);
        Val<Double> volts = m.get("voltsPerCode", SiteYaml::number, true);
        Val<Double> amps = m.get("ampsPerCode", SiteYaml::number, true);
        intIn(bus, 0, 6, " (/dev/spidevB.x)");
        intIn(cs, 0, 10, "");
        intIn(drdy, 0, 53, " (a BCM GPIO number)");
        if (baud != null && baud.ok() && (baud.value() < 1 || baud.value() > 25_000_000
                || baud.value() != Math.rint(baud.value()))) {
            bad(baud.node(), baud.field(), "must be a whole number of Hz up to 25000000 (the ADS131M's 25 MHz), got "
                    + got(baud));
        }
        if (rate != null && rate.ok() && (rate.value() < 1_000 || rate.value() > 64_000)) {
            bad(rate.node(), rate.field(), "must be 1 kS/s to 64 kS/s (the ADS131M's output data rates), got "
                    + got(rate));
        }
        Integer dc = devCh == null ? Integer.valueOf(8) : null;
        if (devCh != null && devCh.ok()) {
            if (!List.of(6, 8).contains(devCh.value())) {
                bad(devCh.node(), devCh.field(), "must be 6 or 8 (ADS131M06 or M08: a feed needs six inputs), got "
                        + got(devCh));
            } else {
                dc = devCh.value();
            }
        }
        for (Val<Double> v : java.util.Arrays.asList(volts, amps)) {
            if (v != null && v.ok() && !(v.value() > 0 && Double.isFinite(v.value()))) {
                bad(v.node(), v.field(), "must be greater than 0, got " + got(v));
            }
        }
        List<Integer> inputs = io.headroom.appliance.site.WaveformStream.Spi.DEFAULT_INPUTS;
        List<org.yaml.snakeyaml.nodes.Node> in = m.list("inputs", false);
        if (in != null) {
            List<Integer> l = new java.util.ArrayList<>();
            if (in.size() != 6) {
                bad(m.value("inputs"), m.field("inputs"), "expected 6 converter inputs (V L1, V L2, V L3, I L1, "
                        + "I L2, I L3), e.g. [0, 1, 2, 3, 4, 5], got " + in.size());
            }
            for (int k = 0; k < in.size() && k < 6; k++) {
                String f = m.field("inputs") + "[" + k + "]";
                Integer x = SiteYaml.integer(p, in.get(k), f);
                if (x == null) {
                    reported++;
                    continue;
                }
                int max = (dc == null ? 8 : dc) - 1;
                if (x < 0 || x > max) {
                    bad(in.get(k), f, "must be an input 0 to " + max + ", got " + x);
                } else if (l.contains(x)) {
                    bad(in.get(k), f, "input " + x + " is read twice");
                }
                l.add(x);
            }
            inputs = l;
        }
        if (reported != before || feed == null || bad(bus) || bad(cs) || bad(baud) || !ok(drdy) || !ok(rate)
                || bad(devCh) || dc == null || !ok(volts) || !ok(amps)) {
            return null;
        }
        int b = bus == null ? 0 : bus.value();
        int c = cs == null ? 0 : cs.value();
        Integer first = seen.putIfAbsent(b + "/" + c, drdy.line());
        if (first != null) {
            bad(drdy.node(), m.field("chipSelect"), "SPI bus " + b + " chip select " + c + " is already read at line "
                    + first);
            return null;
        }
        return new WaveformStream.Spi(feed, b, c, baud == null ? 8_000_000 : (int) Math.round(baud.value()),
                drdy.value(), rate.value(), dc, inputs, volts.value(), amps.value());
    }

    private WaveformStream comtrade(MapReader m, String feed, Double frequencyHz) {
        int before = reported;
        Val<String> file = m.get("file", SiteYaml::string, true);
        Val<Boolean> loop = m.get("loop", SiteYaml::bool, false);
        List<String> ids = null;
        List<org.yaml.snakeyaml.nodes.Node> ch = m.list("channels", false);
        if (ch != null) {
            ids = new java.util.ArrayList<>();
            if (ch.size() != 6) {
                bad(m.value("channels"), m.field("channels"), "expected 6 of the record's channel ids (V L1, V L2, "
                        + "V L3, I L1, I L2, I L3), e.g. [VA, VB, VC, IA, IB, IC], got " + ch.size());
            }
            for (int k = 0; k < ch.size() && k < 6; k++) {
                String n = SiteYaml.string(p, ch.get(k), m.field("channels") + "[" + k + "]");
                if (n == null) {
                    reported++;
                } else {
                    ids.add(n);
                }
            }
        }
        if (reported != before || feed == null || !ok(file) || bad(loop)) {
            return null;
        }
        java.nio.file.Path cfg = path(file.value());
        io.headroom.drivers.waveform.comtrade.ComtradeRecord record;
        try {
            if (!cfg.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".cfg")) {
                bad(file.node(), file.field(), "expected a COMTRADE .cfg file (its .dat beside it), got " + got(file));
                return null;
            }
            record = io.headroom.drivers.waveform.comtrade.ComtradeReader.read(cfg);
        } catch (java.io.IOException | RuntimeException e) {
            bad(file.node(), file.field(), "cannot read the COMTRADE record " + cfg + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            return null;
        }
        if (record.sampleRateHz() < 1_000 || record.sampleRateHz() > 10e6) {
            bad(file.node(), file.field(), "the record is sampled at " + fmt(record.sampleRateHz(), "S/s")
                    + "; the feed-loss detector needs 1 kS/s to 10 MS/s");
            return null;
        }
        if (frequencyHz != null && record.lineFrequencyHz() > 0
                && Math.abs(record.lineFrequencyHz() - frequencyHz) > 0.5) {
            bad(file.node(), file.field(), "the record is of a " + fmt(record.lineFrequencyHz(), "Hz")
                    + " system, the site's is " + fmt(frequencyHz, "Hz"));
            return null;
        }
        try {
            io.headroom.drivers.waveform.comtrade.ComtradeReplaySource.feedChannels(record, ids);
        } catch (IllegalArgumentException e) {
            org.yaml.snakeyaml.nodes.Node at = ch != null ? m.value("channels") : file.node();
            bad(at, ch != null ? m.field("channels") : file.field(), e.getMessage());
            return null;
        }
        return new WaveformStream.Comtrade(feed, cfg, ids, Boolean.TRUE.equals(value(loop)));
    }
}
