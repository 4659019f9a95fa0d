package dev.ferry.bench;

import dev.ferry.client.ClientMetrics;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.server.Drain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationTimers;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The data-plane demo: a real redis-server, three reference servers, clients busy with commands
 * and streams, and a rolling replacement of every server while they work — a new server comes
 * up, the old one drains its sessions to it, the old one goes. Live progress every second; a
 * summary at the end. Exit code 0 only if no command failed and no invariant broke.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Local data-plane demo: servers, Redis, clients, and a rolling drain while they work.")
final class DataPlaneDemo implements Callable<Integer> {
    @Option(names = "--clients", defaultValue = "300", description = "client sessions (default ${DEFAULT-VALUE})")
    int clients;

    @Option(
            names = "--duration-seconds",
            defaultValue = "24",
            description = "how long the clients run (default ${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(
            names = "--drain-rate",
            defaultValue = "200",
            description = "sessions per second a drain moves (default ${DEFAULT-VALUE})")
    double drainRate;

    @Option(names = "--no-read-ahead", description = "clients see a migration only at their next command")
    boolean noReadAhead;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        out.println("Ferry data-plane demo: starting redis-server and 3 servers...");
        try (LocalFleet fleet = new LocalFleet(3, MigrationTimers.DEFAULT, 1)) {
            int perServer = Math.max(1, clients / 3);
            List<FerryClient> clientsByServer = new ArrayList<>();
            List<LoadRun> runs = new ArrayList<>();
            List<CompletableFuture<LoadRun.Result>> results = new ArrayList<>();
            Duration duration = Duration.ofSeconds(durationSeconds);
            for (int i = 0; i < 3; i++) {
                FerryClient c = FerryClient.create(ClientOptions.builder()
                        .serviceAddress(fleet.address(i))
                        .readAhead(!noReadAhead)
                        .clientName("demo")
                        .build());
                clientsByServer.add(c);
                LoadRun run = new LoadRun(LoadRun.Options.defaults(fleet.address(i))
                        .withSessions(perServer)
                        .withDuration(duration)
                        .withReadAhead(!noReadAhead)
                        .withStream(200, 2)
                        .withThinkTime(Duration.ofMillis(20)));
                runs.add(run);
                // Each load run on its own thread: the common pool may have a single worker on 2 cores.
                CompletableFuture<LoadRun.Result> result = new CompletableFuture<>();
                Thread.ofPlatform().daemon().name("demo-load-" + i).start(() -> {
                    try {
                        result.complete(run.run(c));
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                });
                results.add(result);
            }
            out.printf(
                    "%d clients running %s against %s, %s, %s (redis %s)%n%n",
                    perServer * 3,
                    "PING/ECHO/SET/GET/INCR/STREAM/transactions",
                    fleet.address(0),
                    fleet.address(1),
                    fleet.address(2),
                    fleet.redis().uri());

            long start = System.nanoTime();
            // Replace pod-0, pod-1, pod-2 in turn by new servers, as a rolling upgrade would.
            long step = duration.toNanos() / 4;
            int replaced = 0;
            Drain current = null;
            FerryServer draining = null;
            while (results.stream().anyMatch(f -> !f.isDone())) {
                long elapsed = System.nanoTime() - start;
                if (draining != null && draining.sessionCount() == 0) {
                    out.printf("  >> %s is empty: removed%n", draining.name());
                    draining.close();
                    draining = null;
                }
                if (draining == null && replaced < 3 && elapsed >= step * (replaced + 1) - step / 2) {
                    FerryServer old = fleet.server(replaced);
                    FerryServer fresh = fleet.add("pod-" + (replaced + 3), MigrationTimers.DEFAULT, 1);
                    out.printf(
                            "  >> %s started; draining %s (%d sessions) to it at %.0f/s%n",
                            fresh.name(), old.name(), old.sessionCount(), drainRate);
                    current = old.drain(List.of(fresh.advertisedAddress()), drainRate);
                    draining = old;
                    replaced++;
                }
                progress(fleet, runs, clientsByServer, elapsed, current);
                Thread.sleep(1000);
            }
            List<LoadRun.Result> done = new ArrayList<>();
            for (CompletableFuture<LoadRun.Result> f : results) done.add(f.get());
            clientsByServer.forEach(FerryClient::close);
            return summary(done);
        }
    }

    private void progress(
            LocalFleet fleet, List<LoadRun> runs, List<FerryClient> clients, long elapsedNanos, Drain drain) {
        StringBuilder pods = new StringBuilder();
        for (FerryServer s : fleet.servers()) {
            if (!s.isServing() && s.sessionCount() == 0) continue;
            pods.append(String.format(
                    Locale.ROOT, " %s[%s %d]", s.name(), s.isServing() ? "serving" : "draining", s.sessionCount()));
        }
        long ok = runs.stream().mapToLong(LoadRun::commandsOk).sum();
        long failed = runs.stream().mapToLong(LoadRun::commandsFailed).sum();
        long migrations = clients.stream()
                .map(FerryClient::metrics)
                .mapToLong(ClientMetrics::migrationsCompleted)
                .sum();
        out.printf(
                Locale.ROOT,
                "t=%4.1fs  commands ok %7d failed %d  migrations %4d  |%s%n",
                elapsedNanos / 1e9,
                ok,
                failed,
                migrations,
                pods);
    }

    private int summary(List<LoadRun.Result> results) {
        long ok = 0, failed = 0, violations = 0, migrations = 0, sessionsFailed = 0, dup = 0, gaps = 0;
        double pauseMax = 0, latencyP99 = 0;
        for (LoadRun.Result r : results) {
            ok += r.commandsOk();
            failed += r.commandsFailed();
            violations += r.invariantViolations();
            migrations += r.migrations();
            sessionsFailed += r.sessionsFailed();
            dup += r.duplicateRows();
            gaps += r.seqGaps();
            pauseMax = Math.max(pauseMax, r.pauseMaxMillis());
            latencyP99 = Math.max(latencyP99, r.latencyP99Millis());
        }
        out.println();
        out.println("Summary");
        out.printf(Locale.ROOT, "  commands run        %d%n", ok + failed);
        out.printf(Locale.ROOT, "  commands failed     %d%n", failed);
        out.printf(Locale.ROOT, "  migrations          %d%n", migrations);
        out.printf(Locale.ROOT, "  longest pause       %.1f ms%n", pauseMax);
        out.printf(Locale.ROOT, "  command p99         %.1f ms (worst client group)%n", latencyP99);
        out.printf(
                Locale.ROOT,
                "  sessions lost       %d, invariant violations %d, duplicate rows %d, row gaps %d%n",
                sessionsFailed,
                violations,
                dup,
                gaps);
        boolean clean = failed == 0 && violations == 0 && sessionsFailed == 0 && dup == 0 && gaps == 0;
        out.println(
                clean
                        ? "  => every client kept its session through three server replacements"
                        : "  => FAILURES: see above");
        results.stream().filter(r -> !r.clean()).forEach(r -> out.print(r.toText()));
        return clean ? 0 : 1;
    }
}
