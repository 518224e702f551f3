package io.headroom.appliance.site;

/**
 * One problem in a site file.
 *
 * @param file   the file name as given to the loader
 * @param line   1-based line
 * @param column 1-based column
 * @param field  where in the site model, e.g. {@code racks[2].nodes[5].priority}; empty for YAML syntax errors
 *               and problems with the file as a whole
 * @param reason what is wrong, e.g. {@code expected a current in A or kA, got "150 kW"}
 */
public record SiteError(String file, int line, int column, String field, String reason) {

    /** {@code file:line:column: field: reason}, or {@code file:line:column: reason} when there is no field. */
    @Override
    public String toString() {
        String where = file + ":" + line + ":" + column + ": ";
        return field == null || field.isEmpty() ? where + reason : where + field + ": " + reason;
    }
}
