package dev.ferry.bench;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a scenario writes its shared-shape result, and the command line that reproduces it. */
final class ResultOptions {
    @Option(names = "--results", defaultValue = "bench/results", description = "directory for <scenario>.json (default ${DEFAULT-VALUE})")
    Path results;

    @Option(names = "--command", description = "command recorded in the result as the way to reproduce it (default: this one)")
    String command;

    String command(String scenario, String fallbackArgs) {
        return command != null ? command : "java -jar bench/target/ferry-bench.jar " + scenario + fallbackArgs;
    }
}
