package dev.ferry.bench.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry-bench.jar report}: every {@code bench/results/*.json} into {@code docs/benchmarks.md} and PNG charts. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Render every result JSON into the Markdown report and its PNG charts (XChart).")
public final class ReportCommand implements Callable<Integer> {
    @Option(
            names = "--results",
            defaultValue = "bench/results",
            description = "directory of <scenario>.json files (default ${DEFAULT-VALUE})")
    Path results;

    @Option(
            names = "--out",
            defaultValue = "docs/benchmarks.md",
            description = "Markdown report to write (default ${DEFAULT-VALUE})")
    Path out;

    @Option(
            names = "--charts",
            defaultValue = "docs/bench",
            description = "directory for the PNG charts (default ${DEFAULT-VALUE})")
    Path charts;

    @Option(
            names = "--header",
            defaultValue = "docs/bench/report-header.md",
            description = "maintained Markdown put before the generated sections (default ${DEFAULT-VALUE})")
    Path header;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(header))
            throw new IllegalArgumentException("no report header at " + header + " (--header)");
        List<ResultFiles.ResultFile> all = ResultFiles.readAll(results);
        if (all.isEmpty())
            throw new IllegalArgumentException("no *.json result files in " + results + ": run scripts/bench.sh first");
        List<Lever> levers = Levers.readAll(results.resolve("levers"));
        List<Path> pngs =
                MarkdownReport.write(all, levers, Files.readString(header, StandardCharsets.UTF_8), out, charts);
        System.out.println("wrote " + out + " (" + all.size() + " scenarios, " + levers.size() + " levers) and "
                + pngs.size() + " charts in " + charts);
        return 0;
    }
}
