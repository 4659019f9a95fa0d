package dev.ferry.node.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar node/target/ferry-node-bench.jar rollout|operator-cost|autoscale [options]}: the operator benchmarks on the
 * node cluster (scripts/node.sh), run inside its network namespace by scripts/bench-operator.sh. Library logging
 * goes to {@code node/target/bench/<scenario>.log}; the terminal shows the benchmark's own progress.
 */
@Command(
        name = "ferry-node-bench",
        mixinStandardHelpOptions = true,
        description = "Operator benchmarks on the node cluster: rollout, operator-cost, autoscale.",
        subcommands = {RolloutBenchmark.class, OperatorCostBenchmark.class, AutoscaleBenchmark.class})
public final class BenchMain {

    private static List<String> arguments = List.of();

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        arguments = List.of(args);
        logToFile(args.length > 0 && !args[0].startsWith("-") ? args[0] : "bench");
        System.exit(new CommandLine(BenchMain.class).execute(args));
    }

    /** The arguments the jar was started with, exactly, for the result's provenance. */
    static List<String> arguments() {
        return arguments;
    }

    /**
     * Sends slf4j-simple's output to a file, unless the command line chose otherwise. It must happen before the
     * first logger is made, so this class has none.
     */
    private static void logToFile(String scenario) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") != null) return;
        Path dir = Path.of(System.getProperty("ferry.repo.root", "."), "node/target/bench");
        Files.createDirectories(dir);
        System.setProperty(
                "org.slf4j.simpleLogger.logFile",
                dir.resolve(scenario.replaceAll("[^a-z-]", "") + ".log").toString());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
    }
}
