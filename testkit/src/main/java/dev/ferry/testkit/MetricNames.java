package dev.ferry.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Metric names on both sides of monitoring: what a Prometheus text scrape exports, and what PromQL
 * expressions (alert rules, dashboard panels) and the metrics documentation name. The monitoring
 * check tests compare them, so that a rule or panel never queries a metric nothing exports and the
 * documentation lists exactly what is exported.
 */
public final class MetricNames {
    private MetricNames() {}

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The samples a histogram or summary family is exported as, besides its family name. */
    private static final Map<String, List<String>> SUFFIXES = Map.of(
            "histogram", List.of("_bucket", "_count", "_sum", "_created"),
            "summary", List.of("", "_count", "_sum", "_created"),
            "counter", List.of("", "_total", "_created"),
            "gauge", List.of(""),
            "untyped", List.of(""),
            "unknown", List.of(""));

    /** A scrape: each metric family with its type (from {@code # TYPE}), and every sample's name. */
    public record Scrape(Map<String, String> families, Set<String> samples) {

        /** Parses the Prometheus text format (0.0.4) or OpenMetrics text. */
        public static Scrape parse(String text) {
            Map<String, String> families = new LinkedHashMap<>();
            Set<String> samples = new LinkedHashSet<>();
            for (String line : text.split("\n")) {
                line = line.strip();
                if (line.isEmpty()) continue;
                if (line.startsWith("#")) {
                    String[] parts = line.split("\\s+");
                    if (parts.length >= 4 && parts[1].equals("TYPE")) families.put(parts[2], parts[3]);
                    continue;
                }
                Matcher m = SAMPLE.matcher(line);
                if (!m.lookingAt()) throw new IllegalArgumentException("not a sample line: " + line);
                samples.add(m.group());
            }
            return new Scrape(Map.copyOf(families), Set.copyOf(samples));
        }

        /** Both scrapes' families and samples (say, two servers: each shows metrics the other may not yet). */
        public Scrape and(Scrape other) {
            Map<String, String> f = new LinkedHashMap<>(families);
            f.putAll(other.families);
            Set<String> s = new LinkedHashSet<>(samples);
            s.addAll(other.samples);
            return new Scrape(Map.copyOf(f), Set.copyOf(s));
        }

        /**
         * Whether a name as a PromQL query would name it selects anything here: a sample's name, or a
         * family's name with one of its type's suffixes (a histogram's {@code _bucket}, {@code _count},
         * {@code _sum}).
         */
        public boolean exports(String name) {
            if (samples.contains(name)) return true;
            for (Map.Entry<String, String> f : families.entrySet()) {
                for (String suffix : SUFFIXES.getOrDefault(f.getValue(), List.of("")))
                    if (name.equals(f.getKey() + suffix)) return true;
            }
            return false;
        }

        /** Whether a documented name is one of this scrape's families, or (for untyped text) a sample. */
        public boolean hasFamily(String name) {
            return families.containsKey(name) || samples.contains(name);
        }

        /** The families whose name starts with {@code prefix}, sorted. */
        public Set<String> familiesStartingWith(String prefix) {
            Set<String> out = new TreeSet<>();
            for (String f : families.keySet()) if (f.startsWith(prefix)) out.add(f);
            return out;
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private static final Set<String> PROMQL_WORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "atan2",
            "inf",
            "nan",
            "start",
            "end");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-z]+");
    private static final Pattern NUMBER =
            Pattern.compile("(?<![A-Za-z0-9_:])(0x[0-9a-fA-F]+|[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?[a-z]*)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /**
     * The metric names a PromQL expression selects: identifiers that are not functions or aggregations
     * (followed by "("), keywords, label names (inside {...}, by (...), on (...)), durations, numbers,
     * strings or Grafana variables ({@code $pod}, {@code ${__rate_interval}}).
     */
    public static Set<String> promqlNames(String expr) {
        String s = STRING.matcher(expr).replaceAll(" ");
        s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        s = OFFSET.matcher(s).replaceAll(" ");
        s = NUMBER.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String word = m.group();
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) next++;
            boolean call = next < s.length() && s.charAt(next) == '(';
            if (call || PROMQL_WORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) continue;
            names.add(word);
        }
        return names;
    }

    /** Every {@code expr} of every rule in a PrometheusRule manifest (or a plain rules file), by alert or record name. */
    public static Map<String, String> ruleExpressions(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode doc : readYamlDocuments(file)) {
            JsonNode groups = doc.has("spec") ? doc.path("spec").path("groups") : doc.path("groups");
            for (JsonNode group : groups) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("alert")
                            ? rule.path("alert").asText()
                            : rule.path("record").asText();
                    out.put(
                            group.path("name").asText() + "/" + name,
                            rule.path("expr").asText());
                }
            }
        }
        return out;
    }

    /** Every target expression of a Grafana dashboard's panels (rows' nested panels too), by panel title and refId. */
    public static Map<String, String> dashboardExpressions(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            collectPanels(JSON.readTree(file.toFile()).path("panels"), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, Map<String, String> out) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr"))
                    out.put(
                            panel.path("title").asText() + "/"
                                    + target.path("refId").asText(),
                            target.path("expr").asText());
            }
            collectPanels(panel.path("panels"), out);
        }
    }

    /** Grafana template variables' queries (label_values(metric, label), query_result(expr)), by variable name. */
    public static Map<String, String> dashboardVariableQueries(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (JsonNode v : JSON.readTree(file.toFile()).path("templating").path("list")) {
                JsonNode q = v.path("query");
                String text = q.isObject() ? q.path("query").asText() : q.asText();
                if (v.path("type").asText().equals("query") && !text.isEmpty()) {
                    Matcher lv = Pattern.compile("label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\)")
                            .matcher(text);
                    out.put(v.path("name").asText(), lv.matches() ? lv.group(1) : text);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The YAML documents of a file (split on "---"), as trees. */
    public static List<JsonNode> readYamlDocuments(Path file) {
        try {
            List<JsonNode> docs = new ArrayList<>();
            try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    if (n != null && !n.isNull() && !n.isMissingNode()) docs.add(n);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The metric names a Markdown document lists in the tables under one "## " heading: the
     * backticked name at the start of each row's first cell.
     */
    public static Set<String> documented(String markdown, String heading) {
        Set<String> names = new TreeSet<>();
        boolean in = false;
        boolean found = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) {
                in = line.substring(3).strip().equals(heading);
                found |= in;
                continue;
            }
            if (!in || !line.startsWith("|")) continue;
            Matcher m = DOC_ROW.matcher(line);
            if (m.lookingAt()) names.add(m.group(1));
        }
        if (!found) throw new IllegalArgumentException("no section \"## " + heading + "\"");
        return names;
    }

    private static final Pattern DOC_ROW = Pattern.compile("\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`");

    /**
     * The names that {@code expressions} select and neither {@code exported} nor {@code alsoExported}
     * (names another component's own test checks against its scrape) has, each with where it is used.
     */
    public static Map<String, Set<String>> unexported(
            Map<String, String> expressions, Scrape exported, Set<String> alsoExported) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        expressions.forEach((where, expr) -> {
            for (String name : promqlNames(expr)) {
                if (!exported.exports(name) && !alsoExported.contains(name))
                    out.computeIfAbsent(name, k -> new TreeSet<>()).add(where);
            }
        });
        return out;
    }
}
