package io.headroom.drivers.modbus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A device profile's register map, declared as data in a resource file ({@code profiles/NAME.csv}; format in
 * the module README). Points are grouped into contiguous read {@link Block}s per function code: two points
 * share a block only if they touch or the registers between them are a declared {@link Gap} (a range the
 * device answers for); holes are never guessed, because many devices answer an exception for an unmapped
 * register. A block never exceeds {@link #maxRegisters()}.
 */
public final class RegisterMap {

    /** Modbus allows 125 registers per read (function codes 3 and 4). */
    public static final int MODBUS_MAX_REGISTERS = 125;
    /** Pseudo-profile: the device is discovered through SunSpec (see {@link SunSpec}). */
    public static final String SUNSPEC = "sunspec";

    /** A register range that may be read although no point is declared in it. */
    public record Gap(int function, int address, int count) {
    }

    /** A plausibility check: the point must be finite and within [min, max], or the reading is OUT_OF_RANGE. */
    public record Check(String point, double min, double max) {
    }

    /** One read transaction: {@code count} registers from {@code start} with function code {@code function}. */
    public record Block(int function, int start, int count) {
        public int end() {
            return start + count;
        }
    }

    private final String profile;
    private final String source;
    private final List<RegisterPoint> points;
    private final List<Gap> gaps;
    private final List<Check> checks;
    private final int maxRegisters;
    private final List<Block> blocks;
    private final int[] blockOf;      // per point: index of its block
    private final int[] sfIndex;      // per point: index of its scale-factor point, or -1
    private final int[] checkIndex;   // per check: point index
    private final Map<String, Integer> byName = new HashMap<>();

    public RegisterMap(String profile, String source, List<RegisterPoint> points, List<Gap> gaps, List<Check> checks,
                       int maxRegisters) {
        this.profile = profile;
        this.source = source;
        this.points = List.copyOf(points);
        this.gaps = List.copyOf(gaps);
        this.checks = List.copyOf(checks);
        if (this.points.isEmpty()) {
            throw new IllegalArgumentException("profile " + profile + " declares no points");
        }
        if (maxRegisters < 1 || maxRegisters > MODBUS_MAX_REGISTERS) {
            throw new IllegalArgumentException("profile " + profile + ": maxRegisters must be 1.." + MODBUS_MAX_REGISTERS
                    + ", got " + maxRegisters);
        }
        this.maxRegisters = maxRegisters;
        for (int i = 0; i < this.points.size(); i++) {
            RegisterPoint p = this.points.get(i);
            if (byName.putIfAbsent(p.name(), i) != null) {
                throw new IllegalArgumentException("profile " + profile + ": point " + p.name() + " is declared twice");
            }
            if (p.words() > maxRegisters) {
                throw new IllegalArgumentException("profile " + profile + ": point " + p.name() + " (" + p.words()
                        + " registers) is longer than maxRegisters " + maxRegisters);
            }
        }
        checkOverlaps();
        this.sfIndex = new int[this.points.size()];
        for (int i = 0; i < sfIndex.length; i++) {
            RegisterPoint p = this.points.get(i);
            sfIndex[i] = -1;
            if (p.scaleFactor() != null) {
                Integer sf = byName.get(p.scaleFactor());
                if (sf == null) {
                    throw new IllegalArgumentException("profile " + profile + ": point " + p.name()
                            + " names scale factor " + p.scaleFactor() + ", which is not declared");
                }
                if (this.points.get(sf).type() != PointType.SUNSSF) {
                    throw new IllegalArgumentException("profile " + profile + ": point " + p.name() + "'s scale factor "
                            + p.scaleFactor() + " must have type sunssf");
                }
                sfIndex[i] = sf;
            }
        }
        this.checkIndex = new int[this.checks.size()];
        for (int k = 0; k < checkIndex.length; k++) {
            Integer i = byName.get(this.checks.get(k).point());
            if (i == null) {
                throw new IllegalArgumentException("profile " + profile + ": check names point "
                        + this.checks.get(k).point() + ", which is not declared");
            }
            checkIndex[k] = i;
        }
        this.blocks = new ArrayList<>();
        this.blockOf = new int[this.points.size()];
        planBlocks();
    }

    private void checkOverlaps() {
        List<RegisterPoint> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingInt(RegisterPoint::function).thenComparingInt(RegisterPoint::address));
        for (int i = 1; i < sorted.size(); i++) {
            RegisterPoint a = sorted.get(i - 1);
            RegisterPoint b = sorted.get(i);
            if (a.function() == b.function() && b.address() < a.end()) {
                throw new IllegalArgumentException("profile " + profile + ": points " + a.name() + " and " + b.name()
                        + " overlap at register " + b.address());
            }
        }
    }

    private void planBlocks() {
        Integer[] order = new Integer[points.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> points.get(i).function())
                .thenComparingInt(i -> points.get(i).address()));
        int fc = -1;
        int start = 0;
        int end = 0;
        List<Integer> members = new ArrayList<>();
        for (int i : order) {
            RegisterPoint p = points.get(i);
            boolean joins = p.function() == fc && p.end() - start <= maxRegisters
                    && (p.address() <= end || declaredGap(fc, end, p.address()));
            if (!joins) {
                if (fc >= 0) {
                    close(fc, start, end, members);
                }
                fc = p.function();
                start = p.address();
                end = p.end();
                members.clear();
            } else {
                end = Math.max(end, p.end());
            }
            members.add(i);
        }
        close(fc, start, end, members);
    }

    private void close(int fc, int start, int end, List<Integer> members) {
        for (int m : members) {
            blockOf[m] = blocks.size();
        }
        blocks.add(new Block(fc, start, end - start));
    }

    /** Whether registers [from, to) of function {@code fc} are covered by declared gaps. */
    private boolean declaredGap(int fc, int from, int to) {
        int at = from;
        boolean progressed = true;
        while (at < to && progressed) {
            progressed = false;
            for (Gap g : gaps) {
                if (g.function() == fc && g.address() <= at && at < g.address() + g.count()) {
                    at = g.address() + g.count();
                    progressed = true;
                }
            }
        }
        return at >= to;
    }

    // ---- loading ----

    /** Profiles shipped in this module, plus {@value #SUNSPEC} (discovered from the device). */
    public static List<String> knownProfiles() {
        return List.of("generic-3phase", "schneider-pm5300", "janitza-umg96rm", "eastron-sdm630", "supercap-generic",
                SUNSPEC);
    }

    /** Profiles a meter may use: the shipped meter maps and {@value #SUNSPEC}. */
    public static List<String> meterProfiles() {
        return List.of("generic-3phase", "schneider-pm5300", "janitza-umg96rm", "eastron-sdm630", SUNSPEC);
    }

    /** Loads a shipped profile by name. */
    public static RegisterMap load(String profile) {
        if (SUNSPEC.equals(profile)) {
            throw new IllegalArgumentException("profile 'sunspec' has no fixed map: it is discovered from the device");
        }
        return loadResource(profile, "profiles/" + profile + ".csv");
    }

    static RegisterMap loadResource(String profile, String resource) {
        try (InputStream in = RegisterMap.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("unknown meter profile '" + profile + "'; known: " + knownProfiles());
            }
            return parse(profile, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    /**
     * Parses a profile. Lines: {@code # comment}; {@code @source,TEXT}; {@code @maxRegisters,N};
     * {@code @gap,FC,ADDRESS,COUNT}; {@code @check,POINT,MIN,MAX}; and points
     * {@code name,unit,fc,address,type[,order[,scale[,convention[,access]]]]} where order is {@code hi|lo}, scale a
     * number or {@code sf:POINT} or {@code sf:POINT*NUMBER}, convention {@code +|-|pf4q}, access {@code r|rw}.
     * Errors name the profile and line.
     */
    public static RegisterMap parse(String profile, String csv) {
        List<RegisterPoint> points = new ArrayList<>();
        List<Gap> gaps = new ArrayList<>();
        List<Check> checks = new ArrayList<>();
        String source = "";
        int max = MODBUS_MAX_REGISTERS;
        String[] lines = csv.split("\r?\n", -1);
        for (int no = 1; no <= lines.length; no++) {
            String t = lines[no - 1].strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split(",", -1);
            for (int k = 0; k < f.length; k++) {
                f[k] = f[k].strip();
            }
            String where = profile + ":" + no + ": ";
            try {
                if (f[0].startsWith("@")) {
                    switch (f[0]) {
                        case "@source" -> source = t.substring(t.indexOf(',') + 1).strip();
                        case "@maxRegisters" -> {
                            fields(f, 2, "@maxRegisters,N");
                            max = Integer.parseInt(f[1]);
                        }
                        case "@gap" -> {
                            fields(f, 4, "@gap,FC,ADDRESS,COUNT");
                            gaps.add(new Gap(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
                        }
                        case "@check" -> {
                            fields(f, 4, "@check,POINT,MIN,MAX");
                            checks.add(new Check(f[1], Double.parseDouble(f[2]), Double.parseDouble(f[3])));
                        }
                        default -> throw new IllegalArgumentException("unknown directive " + f[0]
                                + " (@source, @maxRegisters, @gap, @check)");
                    }
                    continue;
                }
                if (f.length < 5 || f.length > 9) {
                    throw new IllegalArgumentException("expected name,unit,fc,address,type[,order,scale,convention,access]"
                            + ", got " + f.length + " fields");
                }
                points.add(point(f));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        }
        try {
            return new RegisterMap(profile, source, points, gaps, checks, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(profile + ": " + e.getMessage(), e);
        }
    }

    private static void fields(String[] f, int n, String form) {
        if (f.length != n) {
            throw new IllegalArgumentException("expected " + form + ", got " + f.length + " fields");
        }
    }

    private static RegisterPoint point(String[] f) {
        PointType type = PointType.parse(f[4]);
        int words = type.words();
        if (type == PointType.STRING) {
            words = Integer.parseInt(f[4].substring(f[4].indexOf(':') + 1).strip());
        }
        WordOrder order = WordOrder.HIGH_FIRST;
        if (f.length > 5 && !f[5].isEmpty()) {
            order = switch (f[5].toLowerCase(Locale.ROOT)) {
                case "hi" -> WordOrder.HIGH_FIRST;
                case "lo" -> WordOrder.LOW_FIRST;
                default -> throw new IllegalArgumentException("word order must be hi or lo, got '" + f[5] + "'");
            };
        }
        double scale = 1;
        String sf = null;
        if (f.length > 6 && !f[6].isEmpty()) {
            String s = f[6];
            if (s.startsWith("sf:")) {
                int star = s.indexOf('*');
                sf = (star < 0 ? s.substring(3) : s.substring(3, star)).strip();
                scale = star < 0 ? 1 : Double.parseDouble(s.substring(star + 1).strip());
            } else {
                scale = Double.parseDouble(s);
            }
            if (!(scale != 0 && Double.isFinite(scale))) {
                throw new IllegalArgumentException("scale must be a finite non-zero number, got '" + s + "'");
            }
        }
        Convention conv = Convention.AS_IS;
        if (f.length > 7 && !f[7].isEmpty()) {
            conv = switch (f[7]) {
                case "+" -> Convention.AS_IS;
                case "-" -> Convention.NEGATE;
                case "pf4q" -> Convention.PF_4Q;
                default -> throw new IllegalArgumentException("convention must be +, - or pf4q, got '" + f[7] + "'");
            };
        }
        boolean writable = false;
        if (f.length > 8 && !f[8].isEmpty()) {
            writable = switch (f[8]) {
                case "r" -> false;
                case "rw" -> true;
                default -> throw new IllegalArgumentException("access must be r or rw, got '" + f[8] + "'");
            };
        }
        int fc;
        int address;
        try {
            fc = Integer.parseInt(f[2]);
            address = Integer.parseInt(f[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("function code and address must be integers, got '" + f[2] + "', '"
                    + f[3] + "'");
        }
        return new RegisterPoint(f[0], f[1], fc, address, type, words, order, scale, sf, conv, writable);
    }

    // ---- accessors ----

    public String profile() {
        return profile;
    }

    /** Where the map comes from (document, revision), as the profile's {@code @source} says. */
    public String source() {
        return source;
    }

    public List<RegisterPoint> points() {
        return points;
    }

    public List<Gap> gaps() {
        return gaps;
    }

    public List<Check> checks() {
        return checks;
    }

    public int maxRegisters() {
        return maxRegisters;
    }

    /** The read transactions one scan of this map takes, in order. */
    public List<Block> blocks() {
        return blocks;
    }

    /** Index of a point by name, or -1. */
    public int indexOf(String name) {
        Integer i = byName.get(name);
        return i == null ? -1 : i;
    }

    /** Index into {@link #blocks()} of the block holding point {@code i}. */
    public int blockOf(int i) {
        return blockOf[i];
    }

    /** Total registers read per scan. */
    public int registersPerScan() {
        return blocks.stream().mapToInt(Block::count).sum();
    }

    // ---- decoding ----

    /**
     * Decodes every point from the words of every block (aligned with {@link #blocks()}) into {@code values}
     * (NaN for strings and for SunSpec "not implemented") and {@code texts} (strings only, else null).
     *
     * @return null if every check holds, otherwise what failed (the reading is then OUT_OF_RANGE)
     */
    public String decodeAll(int[][] blockWords, double[] values, String[] texts) {
        for (int i = 0; i < points.size(); i++) {
            if (sfIndex[i] < 0) {
                decodeInto(i, blockWords, values, texts, 0);
            }
        }
        for (int i = 0; i < points.size(); i++) {
            if (sfIndex[i] >= 0) {
                decodeInto(i, blockWords, values, texts, values[sfIndex[i]]);
            }
        }
        for (int k = 0; k < checkIndex.length; k++) {
            double v = values[checkIndex[k]];
            Check c = checks.get(k);
            if (!(v >= c.min() && v <= c.max())) {
                return c.point() + " = " + v + " outside " + c.min() + ".." + c.max();
            }
        }
        return null;
    }

    private void decodeInto(int i, int[][] blockWords, double[] values, String[] texts, double sf) {
        RegisterPoint p = points.get(i);
        Block b = blocks.get(blockOf[i]);
        int[] w = blockWords[blockOf[i]];
        int o = p.address() - b.start();
        if (p.type() == PointType.STRING) {
            texts[i] = text(w, o, p.words());
            values[i] = Double.NaN;
            return;
        }
        values[i] = decode(p, w, o, sf, sfIndex[i] >= 0);
    }

    /** Decodes one point from {@code words} at offset {@code o}; {@code sf} is its scale factor's value if it has one. */
    static double decode(RegisterPoint p, int[] words, int o, double sf, boolean sunspec) {
        long raw = raw(p, words, o);
        if (sunspec || p.type() == PointType.SUNSSF) {
            boolean na = switch (p.type()) {
                case S16, SUNSSF -> raw == Short.MIN_VALUE;
                case U16 -> raw == 0xFFFF;
                case S32 -> raw == Integer.MIN_VALUE;
                case U32 -> raw == 0xFFFF_FFFFL;
                default -> false;
            };
            if (na || Double.isNaN(sf)) {
                return Double.NaN;
            }
        }
        double v = switch (p.type()) {
            case F32 -> Float.intBitsToFloat((int) raw);
            case F64 -> Double.longBitsToDouble(raw);
            case U64 -> raw >= 0 ? raw : raw + 0x1p64; // unsigned
            default -> raw;
        };
        if (p.type() == PointType.SUNSSF) {
            return v;
        }
        double scaled = v * p.scale() * (sf == 0 ? 1 : Math.pow(10, sf));
        return p.convention().apply(scaled);
    }

    private static long raw(RegisterPoint p, int[] w, int o) {
        return switch (p.type()) {
            case U16, BITFIELD16 -> w[o] & 0xFFFF;
            case S16, SUNSSF -> (short) w[o];
            case U32, BITFIELD32 -> join(p, w, o, 2) & 0xFFFF_FFFFL;
            case S32, F32 -> (int) join(p, w, o, 2);
            case U64, F64 -> join(p, w, o, 4);
            case STRING -> 0;
        };
    }

    private static long join(RegisterPoint p, int[] w, int o, int n) {
        long v = 0;
        for (int k = 0; k < n; k++) {
            int word = p.order() == WordOrder.HIGH_FIRST ? w[o + k] : w[o + n - 1 - k];
            v = (v << 16) | (word & 0xFFFF);
        }
        return v;
    }

    private static String text(int[] w, int o, int n) {
        StringBuilder s = new StringBuilder(n * 2);
        for (int k = 0; k < n; k++) {
            char hi = (char) ((w[o + k] >> 8) & 0xFF);
            char lo = (char) (w[o + k] & 0xFF);
            if (hi == 0) {
                break;
            }
            s.append(hi);
            if (lo == 0) {
                break;
            }
            s.append(lo);
        }
        return s.toString().strip();
    }

    // ---- encoding (simulators, and writes) ----

    /**
     * The registers that encode {@code value} (engineering units, Headroom's convention) for point {@code i};
     * {@code sf} is its scale factor's value (0 if none).
     */
    public int[] encode(int i, double value, double sf) {
        RegisterPoint p = points.get(i);
        int[] out = new int[p.words()];
        if (p.type() == PointType.STRING) {
            throw new IllegalArgumentException("point " + p.name() + " is a string; use encodeText");
        }
        double raw = p.type() == PointType.SUNSSF ? value
                : p.convention().unapply(value) / p.scale() / (sf == 0 ? 1 : Math.pow(10, sf));
        long bits = switch (p.type()) {
            case F32 -> Float.floatToIntBits((float) raw) & 0xFFFF_FFFFL;
            case F64 -> Double.doubleToLongBits(raw);
            case U64 -> raw >= 0x1p63 ? (long) (raw - 0x1p64) : (long) Math.rint(raw);
            default -> Math.round(raw);
        };
        for (int k = 0; k < p.words(); k++) {
            int shift = 16 * (p.words() - 1 - k);
            int word = (int) ((bits >>> shift) & 0xFFFF);
            out[p.order() == WordOrder.HIGH_FIRST ? k : p.words() - 1 - k] = word;
        }
        return out;
    }

    /** {@link #encode(int, double, double)} for a point without a scale factor. */
    public int[] encode(int i, double value) {
        return encode(i, value, 0);
    }

    /** The registers of a string point: two ASCII characters per register, NUL-padded. */
    public int[] encodeText(int i, String text) {
        RegisterPoint p = points.get(i);
        int[] out = new int[p.words()];
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        for (int k = 0; k < out.length; k++) {
            int hi = 2 * k < b.length ? b[2 * k] & 0xFF : 0;
            int lo = 2 * k + 1 < b.length ? b[2 * k + 1] & 0xFF : 0;
            out[k] = (hi << 8) | lo;
        }
        return out;
    }

    /** Index of point {@code i}'s scale-factor point, or -1. */
    public int scaleFactorOf(int i) {
        return sfIndex[i];
    }

    /** Names of points that are writable. */
    public Set<String> writablePoints() {
        Set<String> out = new HashSet<>();
        for (RegisterPoint p : points) {
            if (p.writable()) {
                out.add(p.name());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "RegisterMap[" + profile + ", " + points.size() + " points, " + blocks.size() + " blocks]";
    }
}
