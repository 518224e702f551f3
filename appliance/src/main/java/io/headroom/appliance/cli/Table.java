package io.headroom.appliance.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with aligned columns: a header starting with {@code >} is right-aligned (numbers); columns
 * are two spaces apart; the last column is not padded, so free text can go there.
 */
final class Table {

    private final String[] headers;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = new String[headers.length];
        this.right = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            right[i] = headers[i].startsWith(">");
            this.headers[i] = right[i] ? headers[i].substring(1) : headers[i];
        }
    }

    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        int[] w = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            w[i] = headers[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, headers, w);
        for (String[] r : rows) {
            line(b, r, w);
        }
        return b.toString();
    }

    private void line(StringBuilder b, String[] cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                l.append("  ");
            }
            String c = cells[i];
            boolean last = i == cells.length - 1;
            int pad = w[i] - c.length();
            if (right[i]) {
                l.append(" ".repeat(pad)).append(c);
            } else {
                l.append(c);
                if (!last) {
                    l.append(" ".repeat(pad));
                }
            }
        }
        b.append(l.toString().stripTrailing()).append(System.lineSeparator());
    }
}
