package dev.ferry.node.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One scrape of a Prometheus text exposition ({@code /q/metrics}): samples by name and labels.
 * Only what the benchmark reads: counters, gauges and histogram buckets without escapes in label
 * values beyond {@code \"}.
 */
final class PrometheusText {

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(parseLine(line));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line, e);
            }
        }
        return new PrometheusText(List.copyOf(out));
    }

    private static Sample parseLine(String line) {
        int brace = line.indexOf('{');
        int firstSpace = line.indexOf(' ');
        if (firstSpace < 0) {
            throw new IllegalArgumentException("no value");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int valueFrom;
        if (brace >= 0 && brace < firstSpace) {
            name = line.substring(0, brace);
            valueFrom = parseLabels(line, brace + 1, labels) + 1;
        } else {
            name = line.substring(0, firstSpace);
            valueFrom = firstSpace;
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("no metric name");
        }
        String[] rest = line.substring(valueFrom).strip().split("\\s+");
        return new Sample(name, labels, value(rest[0]));
    }

    /** A sample value: a Go float, or the exposition format's {@code +Inf}, {@code -Inf} and {@code NaN} (Java spells them differently). */
    private static double value(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    /** Parses {@code k="v",...} from {@code from}; returns the index of the closing brace. */
    private static int parseLabels(String line, int from, Map<String, String> labels) {
        int i = from;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("a label is not key=\"value\"");
            }
            String key = line.substring(i, eq).strip();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            while (line.charAt(j) != '"') {
                if (line.charAt(j) == '\\') {
                    j++;
                }
                value.append(line.charAt(j));
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        if (i >= line.length()) {
            throw new IllegalArgumentException("unclosed labels in: " + line);
        }
        return i;
    }

    List<Sample> samples() {
        return samples;
    }

    /** Sum of every sample named {@code name} whose labels pass {@code labels}. */
    double sum(String name, Predicate<Map<String, String>> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && labels.test(s.labels()))
                .mapToDouble(Sample::value)
                .sum();
    }

    double sum(String name) {
        return sum(name, l -> true);
    }

    /** Names of the samples that contain {@code part}: to find a metric whose exact name depends on versions. */
    List<String> namesContaining(String part) {
        return samples.stream()
                .map(Sample::name)
                .filter(n -> n.contains(part))
                .distinct()
                .sorted()
                .toList();
    }

    /** Cumulative bucket counts of histogram {@code name} (without {@code _bucket}), by upper bound, summed over label sets. */
    TreeMap<Double, Double> buckets(String name, Predicate<Map<String, String>> labels) {
        TreeMap<Double, Double> b = new TreeMap<>();
        for (Sample s : samples) {
            if (s.name().equals(name + "_bucket") && labels.test(s.labels())) {
                String le = s.labels().get("le");
                double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                b.merge(bound, s.value(), Double::sum);
            }
        }
        return b;
    }

    /**
     * The {@code q} quantile of the observations between two scrapes of cumulative buckets,
     * interpolated linearly inside the bucket as Prometheus' histogram_quantile does; NaN without any.
     */
    static double quantile(double q, TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        double total = after.lastEntry() == null
                ? 0
                : after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : after.entrySet()) {
            double count = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
            if (count >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = count - lowerCount;
                return inBucket <= 0
                        ? e.getKey()
                        : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = count;
        }
        return lowerBound;
    }
}
