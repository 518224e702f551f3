package io.headroom.drivers.modbus;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A register map that cannot be used: every problem found in it, each with its file, line and, where it is one
 * field's fault, the column and name of that field. The message lists them one a line.
 */
public final class RegisterMapException extends IllegalArgumentException {

    /**
     * One problem in a map.
     *
     * @param file   the map's name as given to the parser (a path for a user's map, the profile for a shipped one)
     * @param line   1-based line, 0 when the problem is the map's as a whole (it declares no points)
     * @param column 1-based column of the field at fault, 0 when the whole line is
     * @param field  the field's name ({@code address}, {@code order}, {@code scale}, …), or null
     * @param reason what is wrong
     */
    public record Problem(String file, int line, int column, String field, String reason) {
        /** {@code file:line:column: field: reason}, leaving out what is not known. */
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(file);
            if (line > 0) {
                s.append(':').append(line);
                if (column > 0) {
                    s.append(':').append(column);
                }
            }
            s.append(": ");
            if (field != null) {
                s.append(field).append(": ");
            }
            return s.append(reason).toString();
        }
    }

    private final transient List<Problem> problems;

    public RegisterMapException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in the order of the lines. */
    public List<Problem> problems() {
        return problems;
    }
}
