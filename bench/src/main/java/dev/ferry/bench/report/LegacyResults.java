package dev.ferry.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Result files written before provenance was recorded also predate fixes to what some figures
 * meant. Their numbers stay as measured; where a label claimed more than was measured, the report
 * renders it with a label that says what the number is, and adds a note naming the difference.
 * Files that carry provenance are rendered exactly as written.
 */
final class LegacyResults {
    static final String OLD_PAUSE = "client-visible pause p50 / p99 (MIGRATE read to WELCOME, client library)";
    static final String OLD_DUPLICATES = "rows duplicated (baseline: re-read after the restart)";
    static final String OLD_HELD = "idle sessions held by one server process";
    static final String OLD_PAUSE_NOTE =
            "In the client-visible pause row, the baseline column holds the Ferry p99 (there is no MIGRATE without Ferry). ";

    private LegacyResults() {}

    static BenchResult correct(BenchResult r) {
        if (r.provenance() != null) return r;
        List<BenchResult.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // Its figure is split into two Ferry-only rows below, so the note explaining the old column is dropped.
        for (String n : r.notes()) notes.add(n.startsWith(OLD_PAUSE_NOTE) ? n.substring(OLD_PAUSE_NOTE.length()) : n);
        boolean capacityStopped = r.notes().stream().anyMatch(n -> n.contains(" Here at the "));
        for (BenchResult.Figure f : r.figures()) {
            switch (r.scenario() + "/" + f.name()) {
                // The p99 was written into the baseline column; there is no MIGRATE without Ferry.
                case "in-batch/" + OLD_PAUSE -> {
                    figures.add(new BenchResult.Figure(
                            "client-visible pause p50 (MIGRATE read to WELCOME, client library; Ferry only)",
                            f.unit(),
                            f.ferry(),
                            null,
                            null,
                            null));
                    figures.add(new BenchResult.Figure(
                            "client-visible pause p99 (MIGRATE read to WELCOME, client library; Ferry only)",
                            f.unit(),
                            f.baseline(),
                            null,
                            null,
                            null));
                }
                case "in-batch/" + OLD_DUPLICATES ->
                    figures.add(new BenchResult.Figure(
                            "rows duplicated, counted after the client library had dropped duplicates (0 for Ferry by construction; "
                                    + "baseline: rows read again after restarting at row 0)",
                            f.unit(),
                            f.ferry(),
                            f.baseline(),
                            null,
                            null));
                case "capacity/" + OLD_HELD ->
                    figures.add(
                            capacityStopped
                                    ? f
                                    : new BenchResult.Figure(
                                            "idle sessions held by one server process: at least this many (the largest step tried; no step failed, "
                                                    + "so this is not a measured maximum)",
                                            f.unit(),
                                            f.ferry(),
                                            f.baseline(),
                                            f.target(),
                                            f.met()));
                default -> figures.add(f);
            }
        }
        switch (r.scenario()) {
            case "idle-drain" ->
                notes.add("Read with care (this file predates the fix): Ferry drained at most 64 sessions at a time "
                        + "while this baseline reconnected every session at once, and Ferry's pause started when its client read MIGRATE "
                        + "while the baseline's started when the client closed its connection. The two columns compare different "
                        + "concurrency policies and different start events, and the paced drains had no baseline.");
            case "in-batch" ->
                notes.add("Read with care (this file predates the fix): this baseline restarted each stream at row 0, "
                        + "so its gap is mostly the streaming time before the kill plus the reconnect; duplicates were counted after the "
                        + "client library had dropped them, and row payloads were not checked against their position.");
            default -> {}
        }
        return new BenchResult(
                r.scenario(),
                r.title(),
                r.measuredAt(),
                r.command(),
                r.machine(),
                r.baselineLabel(),
                figures,
                r.charts(),
                notes,
                null);
    }
}
