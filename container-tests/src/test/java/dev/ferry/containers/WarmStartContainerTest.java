package dev.ferry.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.testkit.FreePorts;
import dev.ferry.testkit.Waits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new server from the image as a rolling upgrade meets it: started, then sessions migrate into it from a warm
 * server and run their first commands there. The image's AOT cache (-XX:AOTCache=/app/aot/server.aot, made by a
 * training run of the image in its build) and its warm-up before readiness (FERRY_WARMUP_ITERATIONS) are proven
 * used, proven optional (the image starts without the cache, and with one its JVM cannot use), and measured
 * against the same image with both turned off, in the same run. The figures are printed (SUMMARY lines), never
 * asserted: this machine's 2 cores are shared.
 */
@ExtendWith(ContainerTier.class)
@Timeout(900)
class WarmStartContainerTest {
    private static final Logger log = LoggerFactory.getLogger(WarmStartContainerTest.class);
    /** Turns the image's AOT cache off: the JVM starts as if the image had none (the baseline). */
    private static final String NO_CACHE = "-XX:AOTMode=off";

    private static final Pattern CLASS_LOAD = Pattern.compile("\\[class,load\\s*\\] (dev\\.ferry\\.\\S+) source: (.+)");
    private static final Pattern WARM_UP_TOOK = Pattern.compile("warm-up done in (\\d+) ms");
    private static final int SESSIONS = 40;
    private static final int COMMANDS_PER_SESSION = 10;

    @Test
    void theImageLoadsFerryFromItsAotCacheAndStartsWithoutOne() {
        try (Fleet fleet = new Fleet("aot-use", List.of(), Map.of())) {
            // The image as it ships, with the JVM saying where each class came from.
            Map<String, Long> cached = classSources(fleet, "aot-on", "-Xlog:class+load=info", "0");
            log.info("SUMMARY AOT cache in use: Ferry classes loaded at start by source {}", cached);
            assertThat(cached.getOrDefault("AOT cache", 0L))
                    .as("Ferry classes loaded from the AOT cache")
                    .isGreaterThan(100);
            assertThat(cached.getOrDefault("jar", 0L))
                    .as("Ferry classes loaded from jars although the cache holds them")
                    .isLessThan(cached.get("AOT cache") / 10);

            // Without the cache: the same image starts and serves, every class from its jar.
            Map<String, Long> off = classSources(fleet, "aot-off", "-Xlog:class+load=info " + NO_CACHE, "0");
            log.info("SUMMARY AOT cache off: Ferry classes by source {}", off);
            assertThat(off.getOrDefault("AOT cache", 0L)).isZero();
            assertThat(off.getOrDefault("jar", 0L)).isGreaterThan(50);
            // With the cache, at least as many of Ferry's classes come from it as the server loads from jars without it
            // (the cache links ahead some that a cold start loads later).
            assertThat(cached.get("AOT cache")).isGreaterThanOrEqualTo(off.get("jar"));

            // A cache this JVM cannot use (other object headers than the training run's): the JVM says so in the
            // log, starts without it and serves.
            try (ServerContainer s = server(
                            fleet, "aot-mismatch", "-Xlog:class+load=info -XX:+UseCompactObjectHeaders", "0")
                    .start()) {
                assertThat(s.logText()).contains("Unable to use AOT cache").contains("UseCompactObjectHeaders");
                assertThat(sources(s.logText()).getOrDefault("AOT cache", 0L)).isZero();
                assertFirstCommand(s);
            }
        }
    }

    @Test
    void newServerWithAndWithoutCacheAndWarmUp() throws Exception {
        try (Fleet fleet = new Fleet("warm-start", List.of("old"), Map.of())) {
            ServerContainer old = fleet.server("old");
            FerryClient client = fleet.client("old");
            List<FerrySession> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                FerrySession s = client.connect();
                assertThat(s.execute("SET k " + i).firstText()).isEqualTo("OK");
                sessions.add(s);
            }
            // Variants in turn, twice, so neither the order nor the machine's load of the moment decides alone.
            List<Variant> variants = List.of(
                    new Variant("no cache, no warm-up (baseline)", NO_CACHE, "0"),
                    new Variant("AOT cache", null, "0"),
                    new Variant("warm-up", NO_CACHE, null),
                    new Variant("AOT cache + warm-up (image)", null, null));
            List<Figures> figures = new ArrayList<>();
            for (int round = 1; round <= 2; round++) {
                for (Variant v : variants) figures.add(measure(fleet, old, sessions, v, round));
            }
            log.info("SUMMARY new server from the image, {} sessions migrating in from a warm server:", SESSIONS);
            log.info(String.format(
                    "SUMMARY %-32s %5s %9s %9s %11s %11s %11s %11s %11s",
                    "variant",
                    "round",
                    "ready ms",
                    "warm-up",
                    "1st cmd ms",
                    "pause p50",
                    "pause p99",
                    "cmd p50 ms",
                    "cmd p99 ms"));
            for (Figures f : figures) log.info("SUMMARY " + f.row());
            for (Figures f : figures) {
                assertThat(f.commands()).isEqualTo(SESSIONS * COMMANDS_PER_SESSION);
                if (f.variant().warmUp() == null)
                    assertThat(f.warmUpMillis()).as(f.variant().name()).isNotNull();
            }
            for (FerrySession s : sessions) s.close();
            // A client's close reaches the server a moment later: wait for the server to end every session.
            await().atMost(Waits.STATE)
                    .untilAsserted(() -> assertThat(old.sessionCount())
                            .as("sessions left on %s after every client closed", old.name)
                            .isZero());
        }
    }

    private record Variant(String name, String javaToolOptions, String warmUp) {}

    private record Figures(
            Variant variant,
            int round,
            long readyMillis,
            Long warmUpMillis,
            double firstCommandMillis,
            double pauseP50,
            double pauseP99,
            double commandP50,
            double commandP99,
            int commands) {
        String row() {
            return String.format(
                    "%-32s %5d %9d %9s %11.1f %11.1f %11.1f %11.2f %11.2f",
                    variant.name(),
                    round,
                    readyMillis,
                    warmUpMillis == null ? "-" : warmUpMillis + " ms",
                    firstCommandMillis,
                    pauseP50,
                    pauseP99,
                    commandP50,
                    commandP99);
        }
    }

    /**
     * One new server: start to ready, its first session's first command, then every session migrating in from
     * {@code old} (the pause each client saw) and running its first commands there; then back to {@code old}.
     */
    private Figures measure(Fleet fleet, ServerContainer old, List<FerrySession> sessions, Variant v, int round)
            throws Exception {
        String name = "new-" + round + "-" + (v.javaToolOptions() == null ? "aot" : "noaot") + "-"
                + (v.warmUp() == null ? "warm" : "cold");
        try (ServerContainer fresh =
                        server(fleet, name, v.javaToolOptions(), v.warmUp()).start();
                FerryClient probe = FerryClient.create(
                        ClientOptions.builder().serviceAddress(fresh.address()).build())) {
            long t0 = System.nanoTime();
            try (FerrySession first = probe.connect()) {
                assertThat(first.execute("PING").firstText()).isEqualTo("PONG");
            }
            double firstCommand = (System.nanoTime() - t0) / 1e6;

            List<Double> pauses = move(sessions, old, fresh);
            ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < sessions.size(); i++) {
                    FerrySession s = sessions.get(i);
                    int index = i;
                    done.add(pool.submit(() -> {
                        for (int c = 0; c < COMMANDS_PER_SESSION; c++) {
                            String command = switch (c % 3) {
                                case 0 -> "GET k";
                                case 1 -> "INCR n";
                                default -> "STREAM 20";
                            };
                            long start = System.nanoTime();
                            var result = s.execute(command);
                            latencies.add((System.nanoTime() - start) / 1e6);
                            if (c == 0) assertThat(result.firstText()).isEqualTo(Integer.toString(index));
                            if (c % 3 == 2) assertThat(result.rowCount()).isEqualTo(20);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            move(sessions, fresh, old);
            Matcher took = WARM_UP_TOOK.matcher(fresh.logText());
            List<Double> cmd = latencies.stream().sorted().toList();
            return new Figures(
                    v,
                    round,
                    fresh.startToReady.toMillis(),
                    took.find() ? Long.valueOf(took.group(1)) : null,
                    firstCommand,
                    percentile(pauses, 0.50),
                    percentile(pauses, 0.99),
                    percentile(cmd, 0.50),
                    percentile(cmd, 0.99),
                    cmd.size());
        }
    }

    /** Migrates every session from {@code from} to {@code to} and waits until each client has followed. */
    private static List<Double> move(List<FerrySession> sessions, ServerContainer from, ServerContainer to)
            throws InterruptedException {
        CountDownLatch moved = new CountDownLatch(sessions.size());
        ConcurrentLinkedQueue<Double> pauses = new ConcurrentLinkedQueue<>();
        for (FerrySession s : sessions) {
            s.onMigration(e -> {
                pauses.add(e.pause().toNanos() / 1e6);
                moved.countDown();
            });
        }
        from.migrate(sessions.stream().map(s -> s.sessionId().toString()).toList(), List.of(to.address()));
        assertThat(moved.await(120, TimeUnit.SECONDS))
                .as("every session followed from %s to %s", from.name, to.name)
                .isTrue();
        for (FerrySession s : sessions) assertThat(s.serverName()).isEqualTo(to.name);
        return pauses.stream().sorted().toList();
    }

    private static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return Double.NaN;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static ServerContainer server(Fleet fleet, String name, String javaToolOptions, String warmUp) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_STORE_URI", fleet.redis.uri());
        env.put("FERRY_IDLE_MIGRATION_TIMER", "30");
        env.put("FERRY_SESSION_IDLE_TIMER", "120");
        if (javaToolOptions != null) env.put("JAVA_TOOL_OPTIONS", javaToolOptions);
        if (warmUp != null) env.put("FERRY_WARMUP_ITERATIONS", warmUp); // null: the image's default
        ServerContainer s = new ServerContainer(fleet.testName, name, FreePorts.next(), FreePorts.next(), env);
        fleet.servers.add(s); // stopped with the fleet whatever happens
        return s;
    }

    private static Map<String, Long> classSources(Fleet fleet, String name, String javaToolOptions, String warmUp) {
        try (ServerContainer s = server(fleet, name, javaToolOptions, warmUp).start()) {
            assertFirstCommand(s);
            return sources(s.logText());
        }
    }

    /** Ferry's classes the JVM loaded, counted by where they came from: "AOT cache" or "jar". */
    private static Map<String, Long> sources(String log) {
        Map<String, Long> bySource = new HashMap<>();
        Matcher m = CLASS_LOAD.matcher(log);
        while (m.find()) {
            String source = m.group(2).contains("shared objects file") ? "AOT cache" : "jar";
            bySource.merge(source, 1L, Long::sum);
        }
        return bySource;
    }

    private static void assertFirstCommand(ServerContainer s) {
        try (FerryClient c = FerryClient.create(
                        ClientOptions.builder().serviceAddress(s.address()).build());
                FerrySession session = c.connect()) {
            assertThat(session.execute("ECHO hi").firstText()).isEqualTo("hi");
        }
    }
}
