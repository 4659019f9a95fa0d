package dev.ferry.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar ferry-bench.jar <demo|idle-drain> [options]}. */
@Command(
        name = "ferry-bench",
        mixinStandardHelpOptions = true,
        description = "Ferry's local demo and benchmarks.",
        subcommands = {
            BenchMain.IdleDrain.class,
            BenchMain.InBatch.class,
            BenchMain.Capacity.class,
            BenchMain.Throughput.class,
            DataPlaneDemo.class,
            SlowReadersBenchmark.class,
            ClientWorker.class,
            dev.ferry.bench.report.ReportCommand.class,
            dev.ferry.bench.monitoring.MonitoringRun.class
        })
public final class BenchMain implements Runnable {

    /** This process's arguments as given, recorded in every result it writes. */
    private static volatile List<String> arguments = List.of();

    public static List<String> arguments() {
        return arguments;
    }

    public static void main(String[] args) {
        arguments = List.of(args);
        CommandLine cli = new CommandLine(new BenchMain());
        // Bad input (a malformed result file, a missing header) is the user's to fix: say what, no stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (!(e instanceof dev.ferry.bench.report.ResultFormatException)
                    && !(e instanceof IllegalArgumentException)) throw e;
            cmd.getErr().println("ferry-bench " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(
            name = "idle-drain",
            mixinStandardHelpOptions = true,
            description = {
                "Drain idle sessions from one server to two peers through Redis, every server and client share "
                        + "a process of its own; baselines in the same run: disconnect + reconnect + login with Ferry's window and all "
                        + "at once, and at every paced rate."
            })
    static final class IdleDrain implements Callable<Integer> {
        @Option(
                names = "--sessions",
                defaultValue = "10000",
                description = "idle sessions to drain (default ${DEFAULT-VALUE})")
        int sessions;

        @Option(
                names = "--workers",
                defaultValue = "2",
                description = "client worker processes sharing the sessions (default ${DEFAULT-VALUE})")
        int workers;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "measured rounds of each scenario; the median is reported (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(
                names = "--warmup",
                defaultValue = "2",
                description =
                        "full-size warm-up rounds first, at least this many, reported apart; more follow while a scenario's rate"
                                + " still rises by over 10% a round (default ${DEFAULT-VALUE})")
        int warmup;

        @Option(
                names = "--warmup-max",
                defaultValue = "8",
                description = "at most this many warm-up rounds (default ${DEFAULT-VALUE})")
        int warmupMax;

        @Option(
                names = "--client-threads",
                defaultValue = "1",
                description = "event loop threads per worker's client (default ${DEFAULT-VALUE})")
        int clientThreads;

        @Option(
                names = "--limited-rate",
                split = ",",
                defaultValue = "500,1000,2000,5000",
                description =
                        "rates of the paced drains, sessions/s, comma-separated, each with a reconnect baseline at the same rate;"
                                + " 0 skips them (default ${DEFAULT-VALUE}: EMQX's evacuation default, then faster up to the pause target's 5,000/s)")
        List<Double> limitedRates;

        @Option(
                names = "--move-timeout",
                defaultValue = "PT90S",
                description =
                        "how long a drain may take before it counts as failed (ISO-8601, default ${DEFAULT-VALUE})")
        Duration moveTimeout;

        @Option(
                names = "--server-jar",
                description =
                        "runnable reference server jar (default: server-image/target/ferry-server-image-*-runnable.jar near the working directory or this jar)")
        Path serverJar;

        @Option(names = "--jvm-arg", description = "extra JVM option for every child JVM (repeatable)")
        List<String> jvmArgs = new ArrayList<>();

        @Option(
                names = "--jfr",
                description =
                        "record JFR in every child JVM into this directory and summarise where CPU went in the measured drains")
        Path jfrDir;

        @Option(
                names = "--go-worker",
                description =
                        "the Go client's bench worker (client-go/cmd/ferry-bench-worker, built): its own drains join the rotation,"
                                + " with as many Go workers as Java ones, and its pause p99 is set beside the Java client's")
        Path goWorker;

        @Option(
                names = "--out",
                defaultValue = "bench/target/results/idle-drain.json",
                description = "detailed JSON (every round, server metrics)")
        Path out;

        @CommandLine.Mixin
        ResultOptions result = new ResultOptions();

        @Override
        public Integer call() throws Exception {
            Path results = out.toAbsolutePath().getParent();
            Files.createDirectories(results);
            ProcessFleet.Launch launch =
                    ProcessFleet.Launch.prepare(serverJar, jvmArgs, jfrDir, results.resolve("logs"));
            IdleDrainBenchmark.Options options = new IdleDrainBenchmark.Options(
                    sessions,
                    workers,
                    rounds,
                    warmup,
                    Math.max(warmup, warmupMax),
                    clientThreads,
                    limitedRates.stream().filter(r -> r > 0).toList(),
                    launch,
                    moveTimeout,
                    goWorker == null ? null : goWorker.toAbsolutePath());
            IdleDrainBenchmark.Result r = IdleDrainBenchmark.run(options);
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "# Idle drain: %d sessions, pod-0 -> pod-1 + pod-2, %d client workers, %d CPUs; load average before %s, after %s%n%n",
                    sessions,
                    workers,
                    r.cpus(),
                    r.loadAverageBefore(),
                    r.loadAverageAfter());
            System.out.println(IdleDrainBenchmark.table(r));
            IdleDrainBenchmark.Figures f = r.ferryMedian();
            IdleDrainBenchmark.Figures base = r.baselineMedian();
            System.out.printf(
                    Locale.ROOT,
                    "Targets (median of %d measured rounds): %.0f migrations/s vs %.0f reconnects/s with the same window = %.2fx "
                            + "(>= %.1fx: %s); failures %d; targets met: %s%n",
                    rounds,
                    f.perSecond(),
                    base.perSecond(),
                    f.perSecond() / base.perSecond(),
                    IdleDrainBenchmark.TARGET_RATIO,
                    met(f.perSecond() >= IdleDrainBenchmark.TARGET_RATIO * base.perSecond()),
                    f.failures(),
                    r.targetsMet());
            if (r.goMedian() != null) {
                System.out.printf(
                        Locale.ROOT,
                        "Go client: pause p99 from the decision %.2f ms vs the Java client's %.2f ms (<= %.1fx: %s);"
                                + " client library's own p99 %.2f vs %.2f ms%n",
                        r.goMedian().pauseP99Millis(),
                        f.pauseP99Millis(),
                        IdleDrainBenchmark.TARGET_GO_PAUSE_RATIO,
                        met(r.goMedian().pauseP99Millis()
                                <= IdleDrainBenchmark.TARGET_GO_PAUSE_RATIO * f.pauseP99Millis()),
                        r.goMedian().clientPauseP99Millis(),
                        f.clientPauseP99Millis());
            }
            for (IdleDrainBenchmark.Paced p : r.paced()) {
                System.out.printf(
                        Locale.ROOT,
                        "Paced at %.0f/s: pause p99 from the decision %.2f ms (reconnect at the same rate %.2f ms)%n",
                        p.rate(),
                        p.ferry().pauseP99Millis(),
                        p.baseline().pauseP99Millis());
            }
            System.out.println("\n# CPU seconds per process (median of the measured rounds)\n");
            System.out.println(IdleDrainBenchmark.cpuTable(r));
            System.out.println(
                    "# Server side (admin API), migrations per measured Ferry round (requested/completed/failed)\n");
            for (IdleDrainBenchmark.Figures row : r.rows()) {
                if (!row.serverMigrations().isEmpty()) {
                    System.out.println("  " + row.scenario() + " " + row.phase() + " " + row.round() + ": "
                            + row.serverMigrations());
                }
            }
            System.out.println(
                    "\n# Server side (Prometheus /metrics at the end; timer quantiles cover the last ~2 minutes)\n");
            r.serverMetrics().forEach((pod, text) -> {
                System.out.println("## " + pod);
                System.out.print(text.indent(2));
            });
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r);
            result.write(IdleDrainResult.of(r, result.command()));
            System.out.println("wrote " + out + " (every round; child logs: " + launch.logDir() + ")");
            return r.ferryMedian().failures() == 0 ? 0 : 1;
        }

        private static String met(boolean ok) {
            return ok ? "MET" : "NOT MET";
        }
    }

    /** Options every multi-process scenario shares. */
    static final class ChildJvms {
        @Option(
                names = "--server-jar",
                description = "runnable reference server jar (default: found near the working directory or this jar)")
        Path serverJar;

        @Option(names = "--jvm-arg", description = "extra JVM option for every child JVM (repeatable)")
        List<String> jvmArgs = new ArrayList<>();

        @Option(
                names = "--logs",
                defaultValue = "bench/target/logs",
                description = "directory for child process logs (default ${DEFAULT-VALUE})")
        Path logs;

        ProcessFleet.Launch launch(String scenario) throws java.io.IOException {
            return ProcessFleet.Launch.prepare(
                    serverJar, jvmArgs, null, logs.resolve(scenario).toAbsolutePath());
        }
    }

    @Command(
            name = "in-batch",
            mixinStandardHelpOptions = true,
            description =
                    "Sessions reading long streams while their server is drained to two peers through Redis; baseline: the server killed, streams restarted.")
    static final class InBatch implements Callable<Integer> {
        @Option(
                names = "--sessions",
                defaultValue = "1000",
                description = "streaming sessions (default ${DEFAULT-VALUE})")
        int sessions;

        @Option(
                names = "--row-millis",
                defaultValue = "100",
                description =
                        "one row every this many ms per stream (default ${DEFAULT-VALUE}: 1,000 streams at 10,000 rows/s"
                                + " in all, which readers on this 2-core machine keep up with; at 20 ms they fall behind)")
        int rowMillis;

        @Option(
                names = "--before",
                defaultValue = "PT3S",
                description = "streaming before the drain/kill (default ${DEFAULT-VALUE})")
        Duration before;

        @Option(
                names = "--after",
                defaultValue = "PT2S",
                description = "streaming after every session is back (default ${DEFAULT-VALUE})")
        Duration after;

        @Option(
                names = "--timeout",
                defaultValue = "PT60S",
                description = "how long the move may take (default ${DEFAULT-VALUE})")
        Duration timeout;

        @Option(
                names = "--warmup",
                defaultValue = "2",
                description = "full-size warm-up drains first, not reported (default ${DEFAULT-VALUE})")
        int warmup;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description =
                        "measured drains; the figures are the median drain's by the gap beyond one row period (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(
                names = "--client-threads",
                defaultValue = "2",
                description = "event loop threads of the readers' client (default ${DEFAULT-VALUE}, one per core here)")
        int clientThreads;

        @CommandLine.Mixin
        ChildJvms jvms = new ChildJvms();

        @CommandLine.Mixin
        ResultOptions result = new ResultOptions();

        @Override
        public Integer call() throws Exception {
            if (warmup < 0) throw new IllegalArgumentException("--warmup must be 0 or more, was " + warmup);
            if (rounds < 1) throw new IllegalArgumentException("--rounds must be 1 or more, was " + rounds);
            var options = new InBatchBenchmark.Options(
                    sessions,
                    rowMillis,
                    before,
                    after,
                    timeout,
                    warmup,
                    rounds,
                    clientThreads,
                    jvms.launch("in-batch"));
            result.write(InBatchBenchmark.run(options, result.command()));
            return 0;
        }
    }

    @Command(
            name = "capacity",
            mixinStandardHelpOptions = true,
            description = "Idle sessions held by one server process, stepped up, with heap after GC and RSS per step.")
    static final class Capacity implements Callable<Integer> {
        @Option(
                names = "--steps",
                split = ",",
                defaultValue = "2000,5000,10000,15000,19000",
                description = "session counts to step through (default ${DEFAULT-VALUE})")
        List<Integer> steps;

        @Option(
                names = "--workers",
                defaultValue = "4",
                description = "client worker processes (default ${DEFAULT-VALUE})")
        int workers;

        @CommandLine.Mixin
        ChildJvms jvms = new ChildJvms();

        @CommandLine.Mixin
        ResultOptions result = new ResultOptions();

        @Override
        public Integer call() throws Exception {
            var options = new CapacityBenchmark.Options(List.copyOf(steps), workers, jvms.launch("capacity"));
            result.write(CapacityBenchmark.run(options, result.command()));
            return 0;
        }
    }

    @Command(
            name = "throughput",
            mixinStandardHelpOptions = true,
            description =
                    "Small-command throughput on one server next to redis-benchmark against redis-server, same concurrency.")
    static final class Throughput implements Callable<Integer> {
        @Option(
                names = "--clients",
                defaultValue = "50",
                description = "concurrent closed-loop sessions/connections (default ${DEFAULT-VALUE})")
        int clients;

        @Option(
                names = "--pipeline",
                defaultValue = "16",
                description = "outstanding commands per session when pipelined (default ${DEFAULT-VALUE})")
        int pipeline;

        @Option(names = "--warmup", defaultValue = "PT3S", description = "warm-up per case (default ${DEFAULT-VALUE})")
        Duration warmup;

        @Option(
                names = "--measure",
                defaultValue = "PT5S",
                description = "measured time per case (default ${DEFAULT-VALUE})")
        Duration measure;

        @Option(
                names = "--redis-requests",
                defaultValue = "200000",
                description = "redis-benchmark -n, times the pipeline depth (default ${DEFAULT-VALUE})")
        int redisRequests;

        @CommandLine.Mixin
        ChildJvms jvms = new ChildJvms();

        @CommandLine.Mixin
        ResultOptions result = new ResultOptions();

        @Override
        public Integer call() throws Exception {
            var options = new ThroughputBenchmark.Options(
                    clients, pipeline, warmup, measure, redisRequests, jvms.launch("throughput"));
            result.write(ThroughputBenchmark.run(options, result.command()));
            return 0;
        }
    }
}
