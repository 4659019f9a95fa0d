package dev.ferry.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code java -jar ferry-bench.jar <demo|idle-drain> [options]}. */
@Command(name = "ferry-bench", mixinStandardHelpOptions = true,
        description = "Ferry's local demo and benchmarks.",
        subcommands = {BenchMain.IdleDrain.class, DataPlaneDemo.class})
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "idle-drain", mixinStandardHelpOptions = true,
            description = "Drain idle sessions from one server to two peers through Redis; baseline: reconnect + login.")
    static final class IdleDrain implements Callable<Integer> {
        @Option(names = "--sessions", defaultValue = "10000", description = "idle sessions to drain (default ${DEFAULT-VALUE})")
        int sessions;

        @Option(names = "--client-threads", defaultValue = "1", description = "client event loop threads (default ${DEFAULT-VALUE})")
        int clientThreads;

        @Option(names = "--out", defaultValue = "bench/target/results/idle-drain.json", description = "JSON result file")
        Path out;

        @Override
        public Integer call() throws Exception {
            IdleDrainBenchmark.Result r = IdleDrainBenchmark.run(sessions, clientThreads);
            System.out.println();
            System.out.println(IdleDrainBenchmark.table(r));
            System.out.printf("%nFerry moves sessions %.1fx as fast as reconnecting; targets: >= 10,000 migrations/s, pause p99 <= 5 ms%n",
                    r.ferry().perSecond() / r.baseline().perSecond());
            Files.createDirectories(out.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r);
            System.out.println("wrote " + out);
            return r.ferry().failures() == 0 ? 0 : 1;
        }
    }
}
