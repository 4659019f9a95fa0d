package dev.ferry.bench;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Provenance;
import dev.ferry.bench.report.ResultFiles;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a scenario writes its shared-shape result, the command line that reproduces it, and what it records about the run. */
final class ResultOptions {
    @Option(
            names = "--results",
            defaultValue = "bench/results",
            description = "directory for <scenario>.json (default ${DEFAULT-VALUE})")
    Path results;

    @Option(
            names = "--command",
            description = "command recorded in the result as the way to reproduce it (default: this one)")
    String command;

    @Option(
            names = "--smoke",
            description = "mark the result as a smoke run (reduced sizes, not a measurement); the report says so")
    boolean smoke;

    /** The way to reproduce this run: {@code --command} when a script gave one, else this process's own command line. */
    String command() {
        return command != null
                ? command
                : "java -jar bench/target/ferry-bench.jar " + String.join(" ", BenchMain.arguments());
    }

    /** Writes {@code r} with this run's provenance (commit, tree state, JVM, the exact arguments) and says where. */
    Path write(BenchResult r) throws IOException {
        Path file = ResultFiles.write(results, r.withProvenance(Provenance.capture(BenchMain.arguments(), smoke)));
        System.out.println("wrote " + file);
        return file;
    }
}
