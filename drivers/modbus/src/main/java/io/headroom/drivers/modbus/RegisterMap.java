package io.headroom.drivers.modbus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        validate(this.points, this.checks, maxRegisters, (point, check, field, reason) -> {
            throw new IllegalArgumentException("profile " + profile + ": " + reason);
        });
        this.maxRegisters = maxRegisters;
        for (int i = 0; i < this.points.size(); i++) {
            byName.put(this.points.get(i).name(), i);
        }
        this.sfIndex = new int[this.points.size()];
        for (int i = 0; i < sfIndex.length; i++) {
            RegisterPoint p = this.points.get(i);
            sfIndex[i] = p.scaleFactor() == null ? -1 : byName.get(p.scaleFactor());
        }
        this.checkIndex = new int[this.checks.size()];
        for (int k = 0; k < checkIndex.length; k++) {
            checkIndex[k] = byName.get(this.checks.get(k).point());
        }
        this.blocks = new ArrayList<>();
        this.blockOf = new int[this.points.size()];
        planBlocks();
    }

    /** Where {@link #validate} found a problem: a point's index or a check's (-1 when not one), and the field. */
    @FunctionalInterface
    private interface Report {
        void at(int point, int check, String field, String reason);
    }

    /** The rules across a map's points: names unique, no overlaps, scale factors and checks naming declared points. */
    private static void validate(List<RegisterPoint> points, List<Check> checks, int maxRegisters, Report r) {
        if (points.isEmpty()) {
            r.at(-1, -1, null, "declares no points");
        }
        if (maxRegisters < 1 || maxRegisters > MODBUS_MAX_REGISTERS) {
            r.at(-1, -1, "@maxRegisters", "maxRegisters must be 1.." + MODBUS_MAX_REGISTERS + ", got " + maxRegisters);
        }
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < points.size(); i++) {
            RegisterPoint p = points.get(i);
            Integer first = byName.putIfAbsent(p.name(), i);
            if (first != null) {
                r.at(i, -1, "name", "point " + p.name() + " is declared twice");
            }
            if (p.words() > maxRegisters && maxRegisters >= 1) {
                r.at(i, -1, "type", "point " + p.name() + " (" + p.words()
                        + " registers) is longer than maxRegisters " + maxRegisters);
            }
        }
        Integer[] sorted = new Integer[points.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i;
        }
        Arrays.sort(sorted, Comparator.<Integer>comparingInt(i -> points.get(i).function())
                .thenComparingInt(i -> points.get(i).address()));
        for (int k = 1; k < sorted.length; k++) {
            RegisterPoint a = points.get(sorted[k - 1]);
            RegisterPoint b = points.get(sorted[k]);
            if (a.function() == b.function() && b.address() < a.end()) {
                r.at(sorted[k], -1, "address", "points " + a.name() + " and " + b.name() + " overlap at register "
                        + b.address());
            }
        }
        for (int i = 0; i < points.size(); i++) {
            RegisterPoint p = points.get(i);
            if (p.scaleFactor() != null) {
                Integer sf = byName.get(p.scaleFactor());
                if (sf == null) {
                    r.at(i, -1, "scale", "point " + p.name() + " names scale factor " + p.scaleFactor()
                            + ", which is not declared");
                } else if (points.get(sf).type() != PointType.SUNSSF) {
                    r.at(i, -1, "scale", "point " + p.name() + "'s scale factor " + p.scaleFactor()
                            + " must have type sunssf");
                }
            }
        }
        for (int k = 0; k < checks.size(); k++) {
            if (!byName.containsKey(checks.get(k).point())) {
                r.at(-1, k, "point", "check names point " + checks.get(k).point() + ", which is not declared");
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

    /**
     * Loads a user's map file (the format of the shipped profiles, see {@link #parse}); its problems
     * ({@link RegisterMapException}) name it as {@code name}, e.g. the path as the site file wrote it.
     *
     * @throws IOException when the file cannot be read
     */
    public static RegisterMap load(Path file, String name) throws IOException {
        return parse(name, Files.readString(file, StandardCharsets.UTF_8));
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

    /** The fields of a point line, by position, as problems name them. */
    static final List<String> POINT_FIELDS = List.of("name", "unit", "fc", "address", "type", "order", "scale",
            "convention", "access", "notImplemented");

    /** A problem with field {@code field} of a line (-1: the whole line). */
    private static final class Bad extends IllegalArgumentException {
        final int field;

        Bad(int field, String message) {
            super(message);
            this.field = field;
        }
    }

    /** A point as parsed, before the map-wide defaults ({@code @notImplemented}) are applied. */
    private record Draft(RegisterPoint point, boolean naGiven, int line, int[] columns) {
    }

    /**
     * Parses a profile. Lines: {@code # comment}; {@code @source,TEXT}; {@code @maxRegisters,N};
     * {@code @gap,FC,ADDRESS,COUNT}; {@code @check,POINT,MIN,MAX}; {@code @notImplemented,sunspec|none}; and points
     * {@code name,unit,fc,address,type[,order[,scale[,convention[,access[,notImplemented]]]]]} where order is
     * {@code ABCD|CDAB|BADC|DCBA} (or {@code hi|lo}), scale a number or {@code sf:POINT} or {@code sf:POINT*NUMBER},
     * convention {@code +|-|pf4q}, access {@code r|rw}, notImplemented {@code sunspec|none|RAW}; addresses and raw
     * values in decimal or {@code 0x} hex. Every problem is reported, each with its line and field.
     *
     * @throws RegisterMapException naming the profile, line, column and field of every problem
     */
    public static RegisterMap parse(String profile, String csv) {
        List<Draft> drafts = new ArrayList<>();
        List<Gap> gaps = new ArrayList<>();
        List<Check> checks = new ArrayList<>();
        List<int[]> checkAt = new ArrayList<>(); // per check: line, column of its point field
        List<RegisterMapException.Problem> problems = new ArrayList<>();
        String source = "";
        int max = MODBUS_MAX_REGISTERS;
        int maxLine = 0;
        int maxColumn = 0;
        NotImplemented mapNa = null;
        String[] lines = csv.split("\r?\n", -1);
        for (int no = 1; no <= lines.length; no++) {
            String line = lines[no - 1];
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] raw = line.split(",", -1);
            String[] f = new String[raw.length];
            int[] col = new int[raw.length];
            int at = 0;
            for (int k = 0; k < raw.length; k++) {
                int lead = raw[k].length() - raw[k].stripLeading().length();
                col[k] = at + lead + 1;
                f[k] = raw[k].strip();
                at += raw[k].length() + 1;
            }
            try {
                if (f[0].startsWith("@")) {
                    switch (f[0]) {
                        case "@source" -> source = t.substring(t.indexOf(',') + 1).strip();
                        case "@maxRegisters" -> {
                            fields(f, 2, "@maxRegisters,N");
                            max = integer(f, 1, "N");
                            maxLine = no;
                            maxColumn = col[1];
                        }
                        case "@gap" -> {
                            fields(f, 4, "@gap,FC,ADDRESS,COUNT");
                            gaps.add(new Gap(integer(f, 1, "FC"), integer(f, 2, "ADDRESS"), integer(f, 3, "COUNT")));
                        }
                        case "@check" -> {
                            fields(f, 4, "@check,POINT,MIN,MAX");
                            checks.add(new Check(f[1], number(f, 2, "MIN"), number(f, 3, "MAX")));
                            checkAt.add(new int[]{no, col[1]});
                        }
                        case "@notImplemented" -> {
                            fields(f, 2, "@notImplemented,sunspec|none");
                            mapNa = switch (f[1].toLowerCase(Locale.ROOT)) {
                                case "sunspec" -> NotImplemented.SUNSPEC;
                                case "none" -> NotImplemented.NONE;
                                default -> throw new Bad(1, "must be sunspec or none, got '" + f[1] + "'");
                            };
                        }
                        default -> throw new Bad(0, "unknown directive " + f[0]
                                + " (@source, @maxRegisters, @gap, @check, @notImplemented)");
                    }
                    continue;
                }
                if (f.length < 5 || f.length > POINT_FIELDS.size()) {
                    throw new Bad(-1, "expected name,unit,fc,address,type[,order,scale,convention,access,notImplemented]"
                            + ", got " + f.length + " fields");
                }
                drafts.add(new Draft(point(f), f.length > 9 && !f[9].isEmpty(), no, col));
            } catch (Bad e) {
                int c = e.field >= 0 && e.field < col.length ? col[e.field] : 0;
                String field = e.field < 0 ? null : f[0].startsWith("@") ? (e.field == 0 ? null : f[0])
                        : POINT_FIELDS.get(e.field);
                problems.add(new RegisterMapException.Problem(profile, no, c, field, e.getMessage()));
            } catch (IllegalArgumentException e) {
                problems.add(new RegisterMapException.Problem(profile, no, 0, null, e.getMessage()));
            }
        }
        List<RegisterPoint> points = new ArrayList<>();
        for (Draft d : drafts) {
            RegisterPoint q = d.point();
            if (!d.naGiven() && mapNa != null && q.type() != PointType.SUNSSF) {
                q = new RegisterPoint(q.name(), q.unit(), q.function(), q.address(), q.type(), q.words(), q.order(),
                        q.scale(), q.scaleFactor(), q.convention(), q.writable(), mapNa);
            }
            points.add(q);
        }
        if (problems.isEmpty()) {
            int mLine = maxLine;
            int mColumn = maxColumn;
            validate(points, checks, max, (point, check, field, reason) -> {
                if (point >= 0) {
                    Draft d = drafts.get(point);
                    int k = POINT_FIELDS.indexOf(field);
                    problems.add(new RegisterMapException.Problem(profile, d.line(),
                            k >= 0 && k < d.columns().length ? d.columns()[k] : 0, field, reason));
                } else if (check >= 0) {
                    problems.add(new RegisterMapException.Problem(profile, checkAt.get(check)[0],
                            checkAt.get(check)[1], "@check", reason));
                } else {
                    problems.add(new RegisterMapException.Problem(profile, field == null ? 0 : mLine,
                            field == null ? 0 : mColumn, field, reason));
                }
            });
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt(RegisterMapException.Problem::line)
                    .thenComparingInt(RegisterMapException.Problem::column));
            throw new RegisterMapException(problems);
        }
        return new RegisterMap(profile, source, points, gaps, checks, max);
    }

    private static void fields(String[] f, int n, String form) {
        if (f.length != n) {
            throw new Bad(-1, "expected " + form + ", got " + f.length + " fields");
        }
    }

    private static int integer(String[] f, int k, String what) {
        try {
            return Math.toIntExact(parseLong(f[k]));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Bad(k, what + " must be a whole number (decimal or 0x hex), got '" + f[k] + "'");
        }
    }

    private static double number(String[] f, int k, String what) {
        try {
            return Double.parseDouble(f[k]);
        } catch (NumberFormatException e) {
            throw new Bad(k, what + " must be a number, got '" + f[k] + "'");
        }
    }

    /** A whole number in decimal or {@code 0x} hex, optionally signed. */
    private static long parseLong(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        boolean neg = t.startsWith("-");
        if (neg || t.startsWith("+")) {
            t = t.substring(1);
        }
        long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        return neg ? -v : v;
    }

    private static RegisterPoint point(String[] f) {
        if (f[0].isEmpty()) {
            throw new Bad(0, "a point needs a name");
        }
        PointType type;
        try {
            type = PointType.parse(f[4]);
        } catch (IllegalArgumentException e) {
            throw new Bad(4, e.getMessage());
        }
        int words = type.words();
        if (type == PointType.STRING) {
            String n = f[4].substring(f[4].indexOf(':') + 1).strip();
            try {
                words = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                words = 0;
            }
            if (words < 1 || words > MODBUS_MAX_REGISTERS) {
                throw new Bad(4, "string:N needs N registers, 1.." + MODBUS_MAX_REGISTERS + ", got '" + n + "'");
            }
        }
        int fc = integer(f, 2, "function code");
        if (fc != 3 && fc != 4) {
            throw new Bad(2, "function code must be 3 or 4, got " + fc);
        }
        int address = integer(f, 3, "address");
        if (address < 0 || address + words > 65536) {
            throw new Bad(3, "address " + address + " out of 0.." + (65536 - words) + " for " + words + " registers");
        }
        WordOrder order = WordOrder.HIGH_FIRST;
        if (f.length > 5 && !f[5].isEmpty()) {
            try {
                order = WordOrder.parse(f[5]);
            } catch (IllegalArgumentException e) {
                throw new Bad(5, e.getMessage());
            }
        }
        double scale = 1;
        String sf = null;
        if (f.length > 6 && !f[6].isEmpty()) {
            String s = f[6];
            try {
                if (s.startsWith("sf:")) {
                    int star = s.indexOf('*');
                    sf = (star < 0 ? s.substring(3) : s.substring(3, star)).strip();
                    scale = star < 0 ? 1 : Double.parseDouble(s.substring(star + 1).strip());
                    if (sf.isEmpty()) {
                        throw new Bad(6, "sf: must name the scale-factor point, got '" + s + "'");
                    }
                } else {
                    scale = Double.parseDouble(s);
                }
            } catch (NumberFormatException e) {
                throw new Bad(6, "scale must be a number, sf:POINT or sf:POINT*NUMBER, got '" + s + "'");
            }
            if (!(scale != 0 && Double.isFinite(scale))) {
                throw new Bad(6, "scale must be a finite non-zero number, got '" + s + "'");
            }
            if (type == PointType.STRING || type == PointType.SUNSSF) {
                throw new Bad(6, type == PointType.STRING ? "a string has no scale" : "a sunssf point has no scale");
            }
        }
        Convention conv = Convention.AS_IS;
        if (f.length > 7 && !f[7].isEmpty()) {
            conv = switch (f[7]) {
                case "+" -> Convention.AS_IS;
                case "-" -> Convention.NEGATE;
                case "pf4q" -> Convention.PF_4Q;
                default -> throw new Bad(7, "convention must be +, - or pf4q, got '" + f[7] + "'");
            };
        }
        boolean writable = false;
        if (f.length > 8 && !f[8].isEmpty()) {
            writable = switch (f[8]) {
                case "r" -> false;
                case "rw" -> true;
                default -> throw new Bad(8, "access must be r or rw, got '" + f[8] + "'");
            };
            if (writable && fc != 3) {
                throw new Bad(8, "point " + f[0] + ": only holding registers (function 3) are writable");
            }
        }
        NotImplemented na = sf != null || type == PointType.SUNSSF ? NotImplemented.SUNSPEC : NotImplemented.NONE;
        if (f.length > 9 && !f[9].isEmpty()) {
            na = notImplemented(f[9], type, words);
        }
        return new RegisterPoint(f[0], f[1], fc, address, type, words, order, scale, sf, conv, writable, na);
    }

    private static NotImplemented notImplemented(String s, PointType type, int words) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "sunspec":
                if (type == PointType.F64 || type == PointType.STRING) {
                    throw new Bad(9, "SunSpec defines no \"not implemented\" value for " + s + " points");
                }
                return NotImplemented.SUNSPEC;
            case "none":
                return NotImplemented.NONE;
            default:
                break;
        }
        if (type == PointType.STRING) {
            throw new Bad(9, "a string point has no raw \"not implemented\" value (sunspec or none)");
        }
        long v;
        try {
            v = parseLong(s);
        } catch (NumberFormatException e) {
            throw new Bad(9, "notImplemented must be sunspec, none or a raw value (decimal or 0x hex), got '"
                    + s + "'");
        }
        int bits = 16 * words;
        long mask = bits >= 64 ? -1L : (1L << bits) - 1;
        long min = type == PointType.S16 || type == PointType.S32 || type == PointType.SUNSSF ? -(1L << (bits - 1)) : 0;
        if (bits < 64 && (v < min || (v & ~mask) != 0 && v >= 0)) {
            throw new Bad(9, "raw value " + s + " does not fit the point's " + bits + " bits");
        }
        return NotImplemented.value(v & mask);
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
            texts[i] = text(w, o, p.words(), p.order());
            values[i] = Double.NaN;
            return;
        }
        values[i] = decode(p, w, o, sf, sfIndex[i] >= 0);
    }

    /**
     * Decodes one point from {@code words} at offset {@code o}; {@code sf} is its scale factor's value if
     * {@code hasSf}. NaN when the device marks the point "not implemented" ({@link RegisterPoint#notImplemented()}),
     * when a float is NaN, and when the scale factor is itself not implemented.
     */
    static double decode(RegisterPoint p, int[] words, int o, double sf, boolean hasSf) {
        if (p.type() == PointType.STRING) {
            return Double.NaN;
        }
        long bits = bits(p, words, o);
        if (p.notImplemented().matches(p.type(), bits) || (hasSf && Double.isNaN(sf))) {
            return Double.NaN;
        }
        double v = switch (p.type()) {
            case U16, BITFIELD16, U32, BITFIELD32 -> bits;
            case S16, SUNSSF -> (short) bits;
            case S32 -> (int) bits;
            case F32 -> Float.intBitsToFloat((int) bits);
            case F64 -> Double.longBitsToDouble(bits);
            case U64 -> bits >= 0 ? bits : bits + 0x1p64; // unsigned
            case STRING -> Double.NaN;
        };
        if (p.type() == PointType.SUNSSF || Double.isNaN(v)) {
            return v;
        }
        double scaled = v * p.scale() * (sf == 0 ? 1 : Math.pow(10, sf));
        return p.convention().apply(scaled);
    }

    /** Registers a numeric type occupies. */
    private static int width(PointType t) {
        return switch (t) {
            case U16, S16, SUNSSF, BITFIELD16 -> 1;
            case U32, S32, F32, BITFIELD32 -> 2;
            case U64, F64 -> 4;
            case STRING -> 0;
        };
    }

    /** The point's registers joined into one unsigned number, most significant byte first, undoing its order. */
    private static long bits(RegisterPoint p, int[] w, int o) {
        int n = width(p.type());
        WordOrder order = p.order();
        long v = 0;
        for (int k = 0; k < n; k++) {
            int word = order.word(w[order.lowWordFirst() ? o + n - 1 - k : o + k]);
            v = (v << 16) | word;
        }
        return v;
    }

    private static String text(int[] w, int o, int n, WordOrder order) {
        StringBuilder s = new StringBuilder(n * 2);
        for (int k = 0; k < n; k++) {
            int word = order.word(w[o + k]);
            char hi = (char) ((word >> 8) & 0xFF);
            char lo = (char) (word & 0xFF);
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
        int n = p.words();
        for (int k = 0; k < n; k++) {
            int word = (int) ((bits >>> (16 * (n - 1 - k))) & 0xFFFF);
            out[p.order().lowWordFirst() ? n - 1 - k : k] = p.order().word(word);
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
            out[k] = p.order().word((hi << 8) | lo);
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
