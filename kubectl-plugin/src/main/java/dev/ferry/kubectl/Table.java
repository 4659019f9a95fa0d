package dev.ferry.kubectl;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table as kubectl prints one: upper-case headers, columns left-aligned and separated by three
 * spaces, no trailing spaces. Cells are made printable (control characters become '?') so a pod's answer cannot
 * move the cursor of the terminal it is printed on.
 */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** Adds a row: as many cells as headers; null prints as {@code <none>}. */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "a row of " + cells.length + " cells for " + headers.size() + " columns");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) row.add(printable(c == null ? "<none>" : c.toString()));
        rows.add(row);
        return this;
    }

    public int size() {
        return rows.size();
    }

    /** The table, one line per row after the header line, each ending in a newline. */
    public String render() {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) width[i] = headers.get(i).length();
        for (List<String> row : rows) {
            for (int i = 0; i < width.length; i++)
                width[i] = Math.max(width[i], row.get(i).length());
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, width);
        for (List<String> row : rows) line(out, row, width);
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) line.append("   ");
            line.append(cells.get(i));
            if (i < cells.size() - 1)
                line.append(" ".repeat(width[i] - cells.get(i).length()));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.chars().forEach(c -> b.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ? '?' : (char) c));
        return b.toString();
    }
}
