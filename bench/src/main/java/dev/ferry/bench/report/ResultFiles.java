package dev.ferry.bench.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads and writes result files. Reading checks every field by hand instead of binding, so a file
 * from another helper (or edited by hand) fails with the name of the field that is wrong, not a
 * binding stack trace.
 */
public final class ResultFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> KINDS = Set.of("line", "histogram");

    private ResultFiles() {}

    /** Writes {@code result} to {@code dir/<scenario>.json}, pretty-printed UTF-8, and returns the file. */
    public static Path write(Path dir, BenchResult result) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(result.scenario() + ".json");
        Files.writeString(file, JSON.writeValueAsString(result) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** The order of the report: the headline scenarios first, anything else after them by name. */
    static final List<String> ORDER = List.of(
            "idle-drain",
            "in-batch",
            "rollout",
            "autoscale",
            "capacity",
            "throughput",
            "slow-readers",
            "operator-cost");

    /** A result and the name of the file it was read from (one scenario may have several, e.g. both rollout orders). */
    public record ResultFile(String fileName, BenchResult result) {}

    /**
     * Every {@code *.json} in {@code dir}: the scenarios in {@link #ORDER} first, then the others;
     * files of the same scenario by file name, except that a rollout or autoscale run in the default
     * order comes before one run with {@code --baseline-first}.
     */
    public static List<ResultFile> readAll(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory of result files");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }
        List<ResultFile> results = new ArrayList<>();
        for (Path f : files) results.add(new ResultFile(f.getFileName().toString(), read(f)));
        results.sort(java.util.Comparator.comparingInt((ResultFile r) -> {
                    int i = ORDER.indexOf(r.result().scenario());
                    return i < 0 ? ORDER.size() : i;
                })
                .thenComparing(r -> r.result().command().contains("--baseline-first"))); // the default order first

        return results;
    }

    public static BenchResult read(Path file) throws IOException {
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses {@code text} as the contents of {@code file} (named in every error). */
    public static BenchResult parse(Path file, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ResultFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
        Fields f = new Fields(file);
        if (root == null || !root.isObject()) throw new ResultFormatException(file, "", "must hold one JSON object");
        JsonNode m = f.object(root, "machine", "machine");
        BenchResult.Machine machine = new BenchResult.Machine(
                f.integer(m, "cpus", "machine.cpus"),
                f.string(m, "java", "machine.java"),
                f.load(m, "loadBefore", "machine.loadBefore"),
                f.load(m, "loadAfter", "machine.loadAfter"));
        List<BenchResult.Figure> figures = new ArrayList<>();
        JsonNode fs = f.array(root, "figures", "figures");
        for (int i = 0; i < fs.size(); i++) {
            String at = "figures[" + i + "]";
            JsonNode n = f.element(fs, i, at);
            figures.add(new BenchResult.Figure(
                    f.string(n, "name", at + ".name"),
                    f.string(n, "unit", at + ".unit"),
                    f.numberOrNull(n, "ferry", at + ".ferry"),
                    f.numberOrNull(n, "baseline", at + ".baseline"),
                    f.stringOrNull(n, "target", at + ".target"),
                    f.booleanOrNull(n, "met", at + ".met")));
        }
        List<BenchResult.Chart> charts = new ArrayList<>();
        JsonNode cs = f.array(root, "charts", "charts");
        for (int i = 0; i < cs.size(); i++) {
            String at = "charts[" + i + "]";
            JsonNode c = f.element(cs, i, at);
            String id = f.string(c, "id", at + ".id");
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new ResultFormatException(
                        file,
                        at + ".id",
                        "must be letters, digits, '.', '_' or '-' (it names a PNG file), was '" + id + "'");
            }
            String kind = f.string(c, "kind", at + ".kind");
            if (!KINDS.contains(kind))
                throw new ResultFormatException(
                        file, at + ".kind", "must be 'line' or 'histogram', was '" + kind + "'");
            List<BenchResult.Series> series = new ArrayList<>();
            JsonNode ss = f.array(c, "series", at + ".series");
            for (int j = 0; j < ss.size(); j++) {
                String sat = at + ".series[" + j + "]";
                JsonNode s = f.element(ss, j, sat);
                double[] x = f.numbers(s, "x", sat + ".x");
                double[] y = f.numbers(s, "y", sat + ".y");
                if (x.length != y.length) {
                    throw new ResultFormatException(
                            file, sat + ".y", "has " + y.length + " values but x has " + x.length);
                }
                series.add(new BenchResult.Series(f.string(s, "name", sat + ".name"), x, y));
            }
            charts.add(new BenchResult.Chart(
                    id,
                    f.string(c, "title", at + ".title"),
                    kind,
                    f.string(c, "xLabel", at + ".xLabel"),
                    f.string(c, "yLabel", at + ".yLabel"),
                    series));
        }
        List<String> notes = new ArrayList<>();
        JsonNode ns = f.array(root, "notes", "notes");
        for (int i = 0; i < ns.size(); i++) {
            if (!ns.get(i).isTextual()) throw new ResultFormatException(file, "notes[" + i + "]", "must be a string");
            notes.add(ns.get(i).asText());
        }
        String scenario = f.string(root, "scenario", "scenario");
        if (!scenario.matches("[a-z0-9][a-z0-9-]*")) {
            throw new ResultFormatException(
                    file, "scenario", "must be lower-case letters, digits and '-', was '" + scenario + "'");
        }
        return new BenchResult(
                scenario,
                f.string(root, "title", "title"),
                f.string(root, "measuredAt", "measuredAt"),
                f.string(root, "command", "command"),
                machine,
                f.stringOrNull(root, "baselineLabel", "baselineLabel"),
                figures,
                charts,
                notes,
                provenance(f, root));
    }

    /** Optional: files written before provenance was recorded have none (the report says "not recorded"). */
    private static Provenance provenance(Fields f, JsonNode root) {
        JsonNode p = root.get("provenance");
        if (p == null || p.isNull()) return null;
        if (!p.isObject()) throw new ResultFormatException(f.file(), "provenance", "must be an object or null");
        JsonNode dirty = p.get("dirty");
        if (dirty != null && !dirty.isNull() && !dirty.isBoolean()) {
            throw new ResultFormatException(f.file(), "provenance.dirty", "must be true, false or null");
        }
        JsonNode smoke = p.get("smoke");
        if (smoke != null && !smoke.isBoolean())
            throw new ResultFormatException(f.file(), "provenance.smoke", "must be true or false");
        return new Provenance(
                f.optionalString(p, "commit", "provenance.commit"),
                dirty == null || dirty.isNull() ? null : dirty.asBoolean(),
                f.strings(p, "dirtyPaths", "provenance.dirtyPaths"),
                f.optionalString(p, "jvm", "provenance.jvm"),
                f.strings(p, "arguments", "provenance.arguments"),
                smoke != null && smoke.asBoolean());
    }

    /** Typed access to fields, failing with the field's path. */
    private record Fields(Path file) {
        private JsonNode present(JsonNode parent, String name, String at) {
            JsonNode n = parent.get(name);
            if (n == null) throw new ResultFormatException(file, at, "is missing");
            return n;
        }

        JsonNode object(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (!n.isObject()) throw new ResultFormatException(file, at, "must be an object");
            return n;
        }

        JsonNode array(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (!n.isArray()) throw new ResultFormatException(file, at, "must be an array");
            return n;
        }

        JsonNode element(JsonNode array, int i, String at) {
            JsonNode n = array.get(i);
            if (!n.isObject()) throw new ResultFormatException(file, at, "must be an object");
            return n;
        }

        String string(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (!n.isTextual()) throw new ResultFormatException(file, at, "must be a string");
            return n.asText();
        }

        String stringOrNull(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (n.isNull()) return null;
            if (!n.isTextual()) throw new ResultFormatException(file, at, "must be a string or null");
            return n.asText();
        }

        int integer(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (!n.canConvertToInt() || !n.isIntegralNumber())
                throw new ResultFormatException(file, at, "must be an integer");
            return n.asInt();
        }

        Double numberOrNull(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (n.isNull()) return null;
            if (!n.isNumber()) throw new ResultFormatException(file, at, "must be a number or null");
            return n.asDouble();
        }

        Boolean booleanOrNull(JsonNode parent, String name, String at) {
            JsonNode n = present(parent, name, at);
            if (n.isNull()) return null;
            if (!n.isBoolean()) throw new ResultFormatException(file, at, "must be true, false or null");
            return n.asBoolean();
        }

        double[] numbers(JsonNode parent, String name, String at) {
            JsonNode n = array(parent, name, at);
            double[] v = new double[n.size()];
            for (int i = 0; i < v.length; i++) {
                if (!n.get(i).isNumber()) throw new ResultFormatException(file, at + "[" + i + "]", "must be a number");
                v[i] = n.get(i).asDouble();
            }
            return v;
        }

        String optionalString(JsonNode parent, String name, String at) {
            JsonNode n = parent.get(name);
            if (n == null || n.isNull()) return null;
            if (!n.isTextual()) throw new ResultFormatException(file, at, "must be a string or null");
            return n.asText();
        }

        List<String> strings(JsonNode parent, String name, String at) {
            JsonNode n = parent.get(name);
            if (n == null || n.isNull()) return List.of();
            if (!n.isArray()) throw new ResultFormatException(file, at, "must be an array of strings");
            List<String> v = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isTextual())
                    throw new ResultFormatException(file, at + "[" + i + "]", "must be a string");
                v.add(n.get(i).asText());
            }
            return v;
        }

        double[] load(JsonNode parent, String name, String at) {
            double[] v = numbers(parent, name, at);
            if (v.length != 3)
                throw new ResultFormatException(file, at, "must hold 3 load averages (1, 5, 15 min), held " + v.length);
            return v;
        }
    }
}
