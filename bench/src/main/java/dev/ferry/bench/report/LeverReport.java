package dev.ferry.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The "Levers tried" section: for each lever, every figure its scenario reports, as the median of
 * the runs before the change and after it, and the scenario's own baseline on both sides (it shows
 * how much the machine itself drifted between the runs).
 */
final class LeverReport {
    private LeverReport() {}

    static String section(List<Lever> levers) {
        if (levers.isEmpty()) return "";
        StringBuilder b = new StringBuilder("## Levers tried\n\n");
        b.append(
                        "Each lever is one change measured on its own with `scripts/bench-lever.sh`: the same scenario on the ")
                .append("commit before the change and the commit after it, run alternately on this machine; the ")
                .append("tables give the median of the runs of each side. Every run also measured the scenario's ")
                .append("own baseline, shown on both sides: when the baseline moves as much as Ferry's figure, the ")
                .append("machine changed, not the code.\n\n");
        for (Lever l : levers) b.append(lever(l));
        return b.toString();
    }

    private static String lever(Lever l) {
        StringBuilder b = new StringBuilder("### ").append(l.name()).append("\n\n");
        b.append(l.what().strip()).append("\n\n");
        b.append("Before: `")
                .append(shortCommit(l.beforeCommit()))
                .append("`; after: `")
                .append(shortCommit(l.afterCommit()))
                .append("`; ")
                .append(l.repeat())
                .append(l.repeat() == 1 ? " run" : " runs")
                .append(" of each, alternated; scenario: `")
                .append(String.join(" ", l.scenario()))
                .append("`; load average (1 min) at the runs' starts: ")
                .append(loads(l))
                .append(".\n\n");
        b.append("| figure | unit | before | after | after / before | baseline before | baseline after |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Row> e : rows(l).entrySet()) {
            Row r = e.getValue();
            Double before = median(r.before);
            Double after = median(r.after);
            Double ratio = before == null || after == null || before == 0 ? null : after / before;
            b.append("| ")
                    .append(e.getKey())
                    .append(" | ")
                    .append(r.unit)
                    .append(" | ")
                    .append(MarkdownReport.number(before))
                    .append(" | ")
                    .append(MarkdownReport.number(after))
                    .append(" | ")
                    .append(ratio == null ? "" : String.format(java.util.Locale.ROOT, "%.2f", ratio))
                    .append(" | ")
                    .append(MarkdownReport.number(median(r.baselineBefore)))
                    .append(" | ")
                    .append(MarkdownReport.number(median(r.baselineAfter)))
                    .append(" |\n");
        }
        return b.append('\n').toString();
    }

    private static final class Row {
        final String unit;
        final List<Double> before = new ArrayList<>();
        final List<Double> after = new ArrayList<>();
        final List<Double> baselineBefore = new ArrayList<>();
        final List<Double> baselineAfter = new ArrayList<>();

        Row(String unit) {
            this.unit = unit;
        }
    }

    /** Figures in the order the first run reports them; a figure only one side reports still shows. */
    private static Map<String, Row> rows(Lever l) {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (BenchResult r : l.before()) {
            for (BenchResult.Figure f : r.figures()) {
                Row row = rows.computeIfAbsent(f.name(), n -> new Row(f.unit()));
                if (f.ferry() != null) row.before.add(f.ferry());
                if (f.baseline() != null) row.baselineBefore.add(f.baseline());
            }
        }
        for (BenchResult r : l.after()) {
            for (BenchResult.Figure f : r.figures()) {
                Row row = rows.computeIfAbsent(f.name(), n -> new Row(f.unit()));
                if (f.ferry() != null) row.after.add(f.ferry());
                if (f.baseline() != null) row.baselineAfter.add(f.baseline());
            }
        }
        return rows;
    }

    static Double median(List<Double> values) {
        if (values.isEmpty()) return null;
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String loads(Lever l) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < l.repeat(); i++) {
            parts.add("before " + load(l.before().get(i)) + ", after "
                    + load(l.after().get(i)));
        }
        return String.join("; ", parts);
    }

    private static String load(BenchResult r) {
        double[] l = r.machine() == null ? null : r.machine().loadBefore();
        return l == null || l.length == 0 ? "?" : String.format(java.util.Locale.ROOT, "%.2f", l[0]);
    }

    private static String shortCommit(String c) {
        return Objects.requireNonNull(c).substring(0, Math.min(10, c.length()));
    }
}
