package dev.ferry.node.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One scenario's results in the shape every Ferry benchmark writes to {@code bench/results/<file>.json} (read by
 * the bench module's report generator): figures next to their baseline, charts, notes; then what was added for
 * the node benchmarks, after the fields the report generator already reads: {@code provenance} (commit, dirty
 * tree, JVM, exact arguments, smoke) and {@code run} (scenario-specific facts such as the order of the runs).
 */
final class BenchReport {

    /** A measured figure; {@code ferry}/{@code baseline} null when not measured, {@code met} null without a target. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Figure(String name, String unit, Double ferry, Double baseline, String target, Boolean met) {}

    record Series(String name, List<Double> x, List<Double> y) {}

    record Chart(String id, String title, String kind, String xLabel, String yLabel, List<Series> series) {}

    record Machine(int cpus, String java, double[] loadBefore, double[] loadAfter) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Document(
            String scenario,
            String title,
            String measuredAt,
            String command,
            Machine machine,
            String baselineLabel,
            List<Figure> figures,
            List<Chart> charts,
            List<String> notes,
            Provenance provenance,
            Map<String, Object> run) {}

    private final String scenario;
    private final String title;
    private final String command;
    private final String baselineLabel;
    private final Provenance provenance;
    private final double[] loadBefore = LoadAverage.now();
    private final List<Figure> figures = new ArrayList<>();
    private final List<Chart> charts = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> run = new LinkedHashMap<>();

    BenchReport(String scenario, String title, String command, String baselineLabel, Provenance provenance) {
        this.scenario = scenario;
        this.title = title;
        this.command = command.strip();
        this.baselineLabel = baselineLabel;
        this.provenance = provenance;
    }

    /** A figure with a target: {@code met} is what the caller decided from the Ferry value. */
    BenchReport figure(String name, String unit, Double ferry, Double baseline, String target, Boolean met) {
        figures.add(new Figure(name, unit, round(ferry), round(baseline), target, met));
        return this;
    }

    /** A figure without a target. */
    BenchReport figure(String name, String unit, Double ferry, Double baseline) {
        return figure(name, unit, ferry, baseline, null, null);
    }

    BenchReport chart(Chart chart) {
        charts.add(chart);
        return this;
    }

    BenchReport note(String format, Object... args) {
        notes.add(String.format(Locale.ROOT, format, args));
        return this;
    }

    /** A fact about the run for the {@code run} object (a string, number, list or map). */
    BenchReport fact(String key, Object value) {
        run.put(key, value);
        return this;
    }

    /** Writes {@code <dir>/<fileName>}, pretty-printed UTF-8; returns the file. */
    Path write(Path dir, String fileName) {
        Document doc = new Document(
                scenario,
                title,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                command,
                new Machine(
                        Runtime.getRuntime().availableProcessors(),
                        Runtime.version().toString(),
                        loadBefore,
                        LoadAverage.now()),
                baselineLabel,
                figures,
                charts,
                notes,
                provenance,
                run);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = dir.resolve(fileName);
        try {
            Files.createDirectories(dir);
            Files.writeString(file, mapper.writeValueAsString(doc) + System.lineSeparator(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The figures as an aligned table for the terminal. */
    String summary() {
        StringBuilder sb = new StringBuilder(title).append(System.lineSeparator());
        sb.append(String.format(
                Locale.ROOT, "  %-56s %14s %14s  %-10s %s%n", "figure", "ferry", "baseline", "target", "met"));
        for (Figure f : figures) {
            sb.append(String.format(
                    Locale.ROOT,
                    "  %-56s %14s %14s  %-10s %s%n",
                    f.name() + " (" + f.unit() + ")",
                    text(f.ferry()),
                    text(f.baseline()),
                    f.target() == null ? "" : f.target(),
                    f.met() == null ? "" : f.met() ? "yes" : "NO"));
        }
        for (String n : notes) {
            sb.append("  note: ").append(n).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String text(Double v) {
        if (v == null) return "-";
        return v == Math.rint(v) && Math.abs(v) < 1e12
                ? Long.toString(v.longValue())
                : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Three decimals are all a benchmark on a shared machine can claim. */
    private static Double round(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) return null; // JSON has no NaN or Infinity: not measured
        return Math.round(v * 1000.0) / 1000.0;
    }
}
