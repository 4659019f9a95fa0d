package dev.ferry.bench.report;

import java.util.List;

/**
 * One scenario's result as written to {@code bench/results/<scenario>.json}: the shape shared by
 * every benchmark (data plane and operator), so the report generator needs nothing else.
 */
public record BenchResult(
        String scenario,
        String title,
        String measuredAt,
        String command,
        Machine machine,
        String baselineLabel,
        List<Figure> figures,
        List<Chart> charts,
        List<String> notes,
        Provenance provenance) {

    public BenchResult {
        figures = List.copyOf(figures);
        charts = List.copyOf(charts);
        notes = List.copyOf(notes);
    }

    /** A result whose provenance is stamped when it is written ({@link ResultFiles#write}). */
    public BenchResult(
            String scenario,
            String title,
            String measuredAt,
            String command,
            Machine machine,
            String baselineLabel,
            List<Figure> figures,
            List<Chart> charts,
            List<String> notes) {
        this(scenario, title, measuredAt, command, machine, baselineLabel, figures, charts, notes, null);
    }

    public BenchResult withProvenance(Provenance p) {
        return new BenchResult(scenario, title, measuredAt, command, machine, baselineLabel, figures, charts, notes, p);
    }

    /** The machine and its load average (1, 5, 15 minutes) before and after the run. */
    public record Machine(int cpus, String java, double[] loadBefore, double[] loadAfter) {}

    /**
     * One measured figure next to its baseline from the same run. {@code ferry}, {@code baseline},
     * {@code target} and {@code met} may be null (no baseline, no target).
     */
    public record Figure(String name, String unit, Double ferry, Double baseline, String target, Boolean met) {}

    /** A chart: {@code kind} is {@code line} or {@code histogram} (x = bucket upper bounds). */
    public record Chart(String id, String title, String kind, String xLabel, String yLabel, List<Series> series) {
        public Chart {
            series = List.copyOf(series);
        }
    }

    public record Series(String name, double[] x, double[] y) {}
}
