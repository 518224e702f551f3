package io.headroom.appliance.site;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A small walker over SnakeYAML's composed node graph: typed reads that report every problem, with its line and
 * column, to a {@link Problems} sink instead of throwing. Package-private; used by {@link SiteLoader}.
 */
final class SiteYaml {

    private SiteYaml() {
    }

    /** Collects problems; identical problems (same place, field and reason) are kept once. */
    static final class Problems {
        private final String file;
        private final Set<SiteError> errors = new LinkedHashSet<>();

        Problems(String file) {
            this.file = file;
        }

        void at(Node node, String field, String reason) {
            at(node == null ? null : node.getStartMark(), field, reason);
        }

        void at(Mark mark, String field, String reason) {
            int line = mark == null ? 1 : mark.getLine() + 1;
            int column = mark == null ? 1 : mark.getColumn() + 1;
            errors.add(new SiteError(file, line, column, field, reason));
        }

        /** A problem in another file that the site file names (a register map), at its own line and column. */
        void inFile(String otherFile, int line, int column, String field, String reason) {
            errors.add(new SiteError(otherFile, Math.max(1, line), Math.max(1, column), field, reason));
        }

        /** The site file's name as given to the loader. */
        String file() {
            return file;
        }

        boolean isEmpty() {
            return errors.isEmpty();
        }

        /**
         * Every problem, sorted by line then column (stable: same place keeps discovery order); the site file's
         * first, then those of the files it names, by file.
         */
        List<SiteError> sorted() {
            List<SiteError> l = new ArrayList<>(errors);
            l.sort(Comparator.comparing((SiteError e) -> !e.file().equals(file)).thenComparing(SiteError::file)
                    .thenComparingInt(SiteError::line).thenComparingInt(SiteError::column));
            return l;
        }
    }

    /**
     * A value read from the file, with where it came from.
     *
     * @param value null when the value was present but invalid (the problem has been reported)
     */
    record Val<T>(T value, Node node, String field) {
        boolean ok() {
            return value != null;
        }

        /** The scalar text as written, for messages. */
        String raw() {
            return node instanceof ScalarNode s ? s.getValue() : String.valueOf(value);
        }

        int line() {
            return node.getStartMark().getLine() + 1;
        }
    }

    /** Converts a value node to T, or reports the problem and returns null. */
    @FunctionalInterface
    interface Conv<T> {
        T convert(Problems p, Node node, String field);
    }

    /** How a node reads in a message: {@code a map}, {@code a list}, {@code nothing} or the quoted scalar. */
    static String describe(Node n) {
        return switch (n) {
            case MappingNode m -> "a map";
            case SequenceNode s -> "a list";
            case ScalarNode s when isNull(s) -> "nothing";
            case ScalarNode s -> "\"" + s.getValue() + "\"";
            default -> "something else";
        };
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    /** The text of a non-null scalar, or null. */
    static String scalar(Node n) {
        return n instanceof ScalarNode s && !isNull(s) ? s.getValue() : null;
    }

    // ---- converters -------------------------------------------------------------------------------------------

    static String string(Problems p, Node n, String field) {
        String s = scalar(n);
        if (s == null) {
            p.at(n, field, "expected a string, got " + describe(n));
            return null;
        }
        if (s.isBlank()) {
            p.at(n, field, "must not be empty");
            return null;
        }
        return s;
    }

    static Conv<Double> quantity(Quantity.Kind kind) {
        return (p, n, field) -> {
            String s = scalar(n);
            if (s == null) {
                p.at(n, field, "expected " + kind.describe() + ", got " + describe(n));
                return null;
            }
            try {
                return Quantity.parse(s, kind);
            } catch (Quantity.QuantityFormatException e) {
                p.at(n, field, e.getMessage());
                return null;
            }
        };
    }

    /** A time in whole milliseconds. */
    static Long millis(Problems p, Node n, String field) {
        Double ms = quantity(Quantity.Kind.TIME).convert(p, n, field);
        return ms == null ? null : Math.round(ms);
    }

    static Double number(Problems p, Node n, String field) {
        String s = scalar(n);
        if (s == null || !Quantity.isPlainNumber(s)) {
            p.at(n, field, "expected a number, got " + describe(n));
            return null;
        }
        return Double.parseDouble(s.strip());
    }

    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,9}");

    static Integer integer(Problems p, Node n, String field) {
        String s = scalar(n);
        if (s == null || !INTEGER.matcher(s.strip()).matches()) {
            p.at(n, field, "expected a whole number, got " + describe(n));
            return null;
        }
        return Integer.parseInt(s.strip());
    }

    static Boolean bool(Problems p, Node n, String field) {
        String s = scalar(n);
        if (s != null) {
            switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on":
                    return true;
                case "false", "no", "off":
                    return false;
                default:
                    break;
            }
        }
        p.at(n, field, "expected true or false, got " + describe(n));
        return null;
    }

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern HOST6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?");
    private static final Pattern PORT = Pattern.compile("\\d{1,9}");

    static Endpoint endpoint(Problems p, Node n, String field) {
        String s = scalar(n);
        if (s == null) {
            p.at(n, field, "expected host:port, got " + describe(n));
            return null;
        }
        s = s.strip();
        String host;
        String port;
        boolean hostOk;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                p.at(n, field, "expected host:port, got \"" + s + "\"");
                return null;
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            hostOk = HOST6.matcher(host).matches();
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                p.at(n, field, "expected host:port, got \"" + s + "\"");
                return null;
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            hostOk = HOST.matcher(host).matches();
        }
        if (!hostOk || !PORT.matcher(port).matches()) {
            p.at(n, field, "expected host:port, got \"" + s + "\"");
            return null;
        }
        int portNo = Integer.parseInt(port);
        if (portNo < 1 || portNo > 65535) {
            p.at(n, field, "port must be 1..65535, got " + portNo);
            return null;
        }
        return new Endpoint(host, portNo);
    }

    /** The items of a list, or null (reported) when the node is not a list. */
    static List<Node> list(Problems p, Node n, String field) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        p.at(n, field, "expected a list, got " + describe(n));
        return null;
    }

    // ---- suggestions ------------------------------------------------------------------------------------------

    /** The closest candidate to {@code word} by edit distance, or null when none is close. */
    static String closest(String word, Iterable<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        String w = word.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        if (best == null) {
            return null;
        }
        int allowed = Math.min(3, Math.max(word.length(), best.length()) / 3);
        return bestD <= allowed ? best : null;
    }

    /** Edit distance counting insertions, deletions, substitutions and adjacent transpositions. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** {@code did you mean 'y'?}, {@code known: a, b} or {@code none are defined}. */
    static String suggest(String name, java.util.Collection<String> known) {
        String near = closest(name, known);
        if (near != null) {
            return "did you mean '" + near + "'?";
        }
        return known.isEmpty() ? "none are defined" : "known: " + String.join(", ", known);
    }

    /** {@code unknown <what> 'x'; did you mean 'y'?} (or the known names when none is close). */
    static String unknown(String what, String name, java.util.Collection<String> known) {
        return "unknown " + what + " '" + name + "'; " + suggest(name, known);
    }

    // ---- maps -------------------------------------------------------------------------------------------------

    /**
     * A YAML mapping being read. Unknown keys (with a suggestion) and duplicate keys are reported when it is
     * opened; missing required keys are reported at the mapping's start when they are asked for.
     */
    static final class MapReader {
        private final Problems p;
        private final Node node;
        private final String path;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

        private MapReader(Problems p, Node node, String path) {
            this.p = p;
            this.node = node;
            this.path = path;
        }

        /**
         * Opens {@code node} as a map with the given keys (null: any keys).
         *
         * @param what  for messages, e.g. {@code "a feed"}
         * @return null when the node is not a map (reported)
         */
        static MapReader open(Problems p, Node node, String path, String what, List<String> keys) {
            if (!(node instanceof MappingNode m)) {
                p.at(node, path, "expected " + what + " (a map), got " + describe(node));
                return null;
            }
            MapReader r = new MapReader(p, node, path);
            for (NodeTuple t : m.getValue()) {
                Node k = t.getKeyNode();
                String key = scalar(k);
                if (key == null) {
                    p.at(k, path, "expected a key name, got " + describe(k));
                    continue;
                }
                String f = r.field(key);
                NodeTuple first = r.entries.get(key);
                if (first != null) {
                    p.at(k, f, "duplicate key '" + key + "' (first at line "
                            + (first.getKeyNode().getStartMark().getLine() + 1) + ")");
                    continue;
                }
                if (keys != null && !keys.contains(key)) {
                    String near = closest(key, keys);
                    p.at(k, f, "unknown key '" + key + "'; "
                            + (near != null ? "did you mean '" + near + "'?" : "expected one of " + String.join(", ", keys)));
                    continue;
                }
                r.entries.put(key, t);
            }
            return r;
        }

        Node node() {
            return node;
        }

        String path() {
            return path;
        }

        String field(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        /** The value node, or null when absent. */
        Node value(String key) {
            NodeTuple t = entries.get(key);
            return t == null ? null : t.getValueNode();
        }

        Node keyNode(String key) {
            NodeTuple t = entries.get(key);
            return t == null ? null : t.getKeyNode();
        }

        /** Keys in file order with their tuples. */
        Map<String, NodeTuple> entries() {
            return entries;
        }

        void missing(String key, String reason) {
            p.at(node, field(key), reason);
        }

        /** Reads a key: null when absent (reported as missing when required), otherwise a Val (value null if invalid). */
        <T> Val<T> get(String key, Conv<T> conv, boolean required) {
            NodeTuple t = entries.get(key);
            if (t == null) {
                if (required) {
                    missing(key, "missing required key");
                }
                return null;
            }
            String f = field(key);
            return new Val<>(conv.convert(p, t.getValueNode(), f), t.getValueNode(), f);
        }

        /** A required key's value, or null when absent or invalid (reported). */
        <T> T req(String key, Conv<T> conv) {
            Val<T> v = get(key, conv, true);
            return v == null ? null : v.value();
        }

        /** An optional key's value; {@code dflt} when absent, null when invalid (reported). */
        <T> T opt(String key, Conv<T> conv, T dflt) {
            Val<T> v = get(key, conv, false);
            return v == null ? dflt : v.value();
        }

        /** A nested map; null when absent (reported if required) or not a map (reported). */
        MapReader map(String key, boolean required, String what, List<String> keys) {
            Node v = value(key);
            if (v == null || (!required && isNull(v))) {
                if (required) {
                    missing(key, "missing required key");
                }
                return null;
            }
            return open(p, v, field(key), what, keys);
        }

        /** A nested list; null when absent (reported if required) or not a list (reported). */
        List<Node> list(String key, boolean required) {
            Node v = value(key);
            if (v == null || (!required && isNull(v))) {
                if (required) {
                    missing(key, "missing required key");
                }
                return null;
            }
            return SiteYaml.list(p, v, field(key));
        }
    }
}
