package io.headroom.common.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Suggests the nearest real option (or subcommand) for an unknown one, for every picocli command of Headroom.
 * picocli's own suggestion ranks by a distance that makes {@code --sennario} closer to {@code --seed} than to
 * {@code --scenario}; here the distance is Damerau–Levenshtein (a swap of two neighbours is one edit) with a bonus
 * for a shared prefix, and only names within a distance that a typo explains are offered.
 */
public final class OptionSuggester implements CommandLine.IParameterExceptionHandler {

    private OptionSuggester() {
    }

    /** Installs the suggester and the shared exit codes on {@code cl} and every subcommand under it. */
    public static CommandLine install(CommandLine cl) {
        cl.setParameterExceptionHandler(new OptionSuggester());
        cl.setExitCodeExceptionMapper(e -> e instanceof ParameterException ? ExitCodes.USAGE : ExitCodes.COULD_NOT_RUN);
        return cl;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        // picocli reports a missing required option before the unknown words it collected: a typo of the required
        // option (--confg FILE) would then read only "Missing required option"; the unknown word is said as well.
        List<String> unknown = ex instanceof UnmatchedArgumentException u ? u.getUnmatched()
                : cmd.getUnmatchedArguments() == null ? List.of() : cmd.getUnmatchedArguments();
        if (!(ex instanceof UnmatchedArgumentException)) {
            err.println(cmd.getColorScheme().errorText(ex.getMessage()));
        }
        if (!unknown.isEmpty()) {
            String what = unknown.getFirst().startsWith("-") ? "option" : "argument";
            err.println(cmd.getColorScheme().errorText("Unknown " + what + ": '" + unknown.getFirst() + "'"));
            List<String> near = suggest(unknown.getFirst(), candidates(cmd.getCommandSpec(), unknown.getFirst()));
            if (!near.isEmpty()) {
                err.println("Did you mean " + String.join(" or ", near) + "?");
            }
        }
        err.println("Usage: " + cmd.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** The names an unknown word could have meant: options if it starts with '-', else subcommands. */
    static List<String> candidates(CommandSpec spec, String word) {
        List<String> c = new ArrayList<>();
        if (word.startsWith("-")) {
            for (OptionSpec o : spec.options()) {
                if (!o.hidden()) {
                    c.addAll(List.of(o.names()));
                }
            }
        } else {
            c.addAll(spec.subcommands().keySet());
        }
        return c;
    }

    /** At most three names, nearest first, among those a typo of {@code word} explains. */
    public static List<String> suggest(String word, List<String> names) {
        String w = word.contains("=") && word.startsWith("-") ? word.substring(0, word.indexOf('=')) : word;
        record Scored(String name, double score) {
        }
        List<Scored> s = new ArrayList<>();
        for (String n : names) {
            String a = strip(w);
            String b = strip(n);
            if (a.isEmpty() || b.isEmpty()) {
                continue;
            }
            int d = damerauLevenshtein(a, b);
            int prefix = commonPrefix(a, b);
            double score = d - 0.5 * Math.min(prefix, 3);
            boolean close = d <= Math.max(1, Math.max(a.length(), b.length()) / 3)
                    || (b.startsWith(a) && a.length() >= 2) || (a.startsWith(b) && b.length() >= 3);
            if (close) {
                s.add(new Scored(n, score));
            }
        }
        s.sort(Comparator.comparingDouble(Scored::score).thenComparing(Scored::name));
        return s.stream().map(Scored::name).distinct().limit(3).toList();
    }

    private static String strip(String name) {
        return name.replaceFirst("^-+", "").toLowerCase(Locale.ROOT);
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** The optimal-string-alignment form of Damerau–Levenshtein: insert, delete, substitute, swap neighbours. */
    public static int damerauLevenshtein(String a, String b) {
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
}
