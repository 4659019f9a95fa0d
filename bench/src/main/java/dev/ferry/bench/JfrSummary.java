package dev.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where CPU went during the measured drains, per process: the JFR windows dumped after each
 * drain are read with {@code jfr print} and their samples aggregated by top frame, by the first
 * Ferry frame on the stack, and by thread pool. Two kinds of samples: {@code jdk.ExecutionSample}
 * (Java code only) and {@code jdk.CPUTimeSample} (JDK 25, CPU time including native code and
 * system calls).
 */
final class JfrSummary {
    private static final Logger log = LoggerFactory.getLogger(JfrSummary.class);
    private static final int TOP = 15;

    private JfrSummary() {}

    private static final class Counts {
        final Map<String, Map<String, Integer>> byKind = new LinkedHashMap<>();
        final Map<String, Integer> totals = new TreeMap<>();

        void add(String kind, String key) {
            byKind.computeIfAbsent(kind, k -> new LinkedHashMap<>()).merge(key, 1, Integer::sum);
        }
    }

    /** @param files each recording with the window {begin, end} whose samples count */
    static void write(Path dir, Map<Path, Instant[]> files, String java) {
        String jfr = Path.of(java).resolveSibling("jfr").toString();
        Map<String, Counts> byProcess = new TreeMap<>();
        for (Path f : files.keySet()) {
            String name = f.getFileName().toString();
            String process = name.substring(0, name.indexOf("-drain-"));
            Counts c = byProcess.computeIfAbsent(process, p -> new Counts());
            read(jfr, f, files.get(f), c);
        }
        StringBuilder b = new StringBuilder();
        byProcess.forEach((process, c) -> {
            b.append("## ")
                    .append(process)
                    .append("  (samples: ")
                    .append(c.totals)
                    .append(")\n");
            for (var kind : c.byKind.entrySet()) {
                int total = c.totals.getOrDefault(
                        kind.getKey().substring(0, kind.getKey().indexOf(' ')), 0);
                b.append("### ").append(kind.getKey()).append('\n');
                kind.getValue().entrySet().stream()
                        .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                        .limit(TOP)
                        .forEach(e -> b.append(String.format(
                                Locale.ROOT,
                                "  %5d %5.1f%%  %s%n",
                                e.getValue(),
                                total == 0 ? 0 : 100.0 * e.getValue() / total,
                                e.getKey())));
            }
            b.append('\n');
        });
        Path out = dir.resolve("profile-summary.txt");
        try {
            Files.writeString(out, b.toString());
        } catch (IOException e) {
            log.warn("cannot write {}: {}", out, e.toString());
        }
        System.out.println("\n# Profile of the measured drains (JFR), per process\n");
        System.out.println(b);
        System.out.println("(also in " + out + "; raw recordings: " + dir + ")");
    }

    /**
     * A dump's begin/end select whole chunks, so samples from before the drain (sessions opening)
     * would count too: only samples whose startTime is inside the window are kept.
     */
    private static void read(String jfr, Path file, Instant[] window, Counts c) {
        try {
            Process p = new ProcessBuilder(
                            jfr,
                            "print",
                            "--stack-depth",
                            "64",
                            "--events",
                            "jdk.ExecutionSample,jdk.CPUTimeSample",
                            file.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                String kind = null;
                String thread = "?";
                String top = null;
                String ferry = null;
                boolean inStack = false;
                boolean inWindow = true;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("jdk.ExecutionSample {") || line.startsWith("jdk.CPUTimeSample {")) {
                        kind = line.startsWith("jdk.Exec") ? "execution" : "cpu-time";
                        thread = "?";
                        top = null;
                        ferry = null;
                        inStack = false;
                        inWindow = true;
                    } else if (kind != null && line.equals("}")) {
                        if (!inWindow) {
                            kind = null;
                            continue;
                        }
                        c.totals.merge(kind, 1, Integer::sum);
                        c.add(kind + " samples by top frame", top == null ? "(no stack)" : top);
                        c.add(
                                kind + " samples by first dev.ferry frame",
                                ferry == null ? "(none: JDK/Netty/library only)" : ferry);
                        c.add(kind + " samples by thread", pool(thread));
                        kind = null;
                    } else if (kind != null) {
                        String t = line.trim();
                        if (t.startsWith("startTime = ") && window != null) {
                            Instant at = startTime(t);
                            inWindow = at == null || (!at.isBefore(window[0]) && !at.isAfter(window[1]));
                        } else if (t.startsWith("stackTrace = [")) {
                            inStack = true;
                        } else if (inStack && t.equals("]")) {
                            inStack = false;
                        } else if (inStack) {
                            String frame = frame(t);
                            if (top == null) top = frame;
                            if (ferry == null && frame.startsWith("dev.ferry.")) ferry = frame;
                        } else if (t.startsWith("sampledThread = ") || t.startsWith("eventThread = ")) {
                            int q1 = t.indexOf('"');
                            int q2 = t.indexOf('"', q1 + 1);
                            if (q1 >= 0 && q2 > q1) thread = t.substring(q1 + 1, q2);
                        }
                    }
                }
            }
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.warn("jfr print {} failed: {}", file, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code startTime = 03:51:10.123 (2026-11-22)}, local time, as an instant; null if unreadable. */
    static Instant startTime(String t) {
        try {
            String v = t.substring("startTime = ".length()).trim();
            int paren = v.indexOf('(');
            LocalTime time = LocalTime.parse(v.substring(0, paren).trim());
            LocalDate date = LocalDate.parse(v.substring(paren + 1, v.indexOf(')', paren)));
            return LocalDateTime.of(date, time).atZone(ZoneId.systemDefault()).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code a.b.C.m(int, long) line: 12} becomes {@code a.b.C.m}. */
    static String frame(String t) {
        int paren = t.indexOf('(');
        return paren > 0 ? t.substring(0, paren) : t;
    }

    /** Thread name without its trailing number: {@code ferry-io-3-1} becomes {@code ferry-io-#-#}. */
    static String pool(String thread) {
        return thread.replaceAll("\\d+", "#");
    }
}
