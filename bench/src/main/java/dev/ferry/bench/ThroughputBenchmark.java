package dev.ferry.bench;

import static dev.ferry.bench.report.Measures.figure;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small-command throughput of one reference server (SET/GET of a session variable) from N
 * concurrent closed-loop sessions, with one command outstanding per session and then pipelined
 * (P commands written back to back on each session, the next P once all have answered, as
 * {@code redis-benchmark -P}), next to {@code redis-benchmark} against a {@code redis-server} on
 * the same machine with the same concurrency and pipeline depth. Both clients run in their own
 * process next to their server; the ratio is what matters.
 */
final class ThroughputBenchmark {
    private static final Logger log = LoggerFactory.getLogger(ThroughputBenchmark.class);

    record Options(
            int clients,
            int pipeline,
            Duration warmup,
            Duration measure,
            int redisRequests,
            ProcessFleet.Launch launch) {}

    static BenchResult run(Options o, String command) throws Exception {
        double[] loadBefore = Measures.loadAverage();
        String at = Measures.now();
        Map<String, Double> ferry = new LinkedHashMap<>();
        Map<String, Double> redis = new LinkedHashMap<>();
        try (ProcessFleet fleet = new ProcessFleet(o.launch(), 1, 0, 1);
                FerryClient client = FerryClient.create(ClientOptions.builder()
                        .serviceAddress(fleet.server(0).address())
                        .eventLoopThreads(1)
                        .build())) {
            List<FerrySession> sessions = new ArrayList<>();
            while (sessions.size() < o.clients()) sessions.add(client.connect());
            for (int depth : new int[] {1, o.pipeline()}) {
                for (String verb : new String[] {"SET", "GET"}) {
                    String cmd = verb.equals("SET") ? "SET k 0123456789abcdef" : "GET k";
                    closedLoop(sessions, cmd, depth, o.warmup());
                    double rate = closedLoop(sessions, cmd, depth, o.measure());
                    ferry.put(key(verb, depth), rate);
                    log.info("ferry {} pipeline {}: {} commands/s", verb, depth, Math.round(rate));
                }
            }
            for (FerrySession s : sessions) s.close();
        }
        try (RedisServer server = RedisServer.startDefault()) {
            for (int depth : new int[] {1, o.pipeline()}) {
                Map<String, Double> r = redisBenchmark(server, o.clients(), depth, o.redisRequests() * depth);
                r.forEach((verb, rate) -> redis.put(key(verb, depth), rate));
                log.info("redis-benchmark pipeline {}: {}", depth, r);
            }
        }
        List<BenchResult.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (var e : ferry.entrySet()) {
            Double base = redis.get(e.getKey());
            figures.add(figure(
                    e.getKey() + ", commands per second",
                    "1/s",
                    (double) Math.round(e.getValue()),
                    base == null ? null : (double) Math.round(base),
                    null,
                    null));
        }
        for (var e : ferry.entrySet()) {
            Double base = redis.get(e.getKey());
            if (base != null)
                figures.add(figure(
                        e.getKey() + ": Ferry / redis-server",
                        "ratio",
                        Math.round(e.getValue() / base * 1000) / 1000.0,
                        null,
                        null,
                        null));
        }
        notes.add(String.format(
                Locale.ROOT,
                "%d sessions (Ferry) / connections (redis-benchmark -c %d), each closed-loop with one command outstanding, "
                        + "then %d outstanding per client: both pipeline them on each session / connection (Ferry: executeAll of %d "
                        + "commands, redis-benchmark -P %d), the next %d once all have answered. Ferry: the reference server's SET/GET of a session variable (answer row + DONE), "
                        + "%d s measured after %d s warm-up per case, clients in the coordinator JVM on one event loop thread; "
                        + "Redis: redis-benchmark -t set,get -n %d (x depth) against redis-server 127.0.0.1.",
                o.clients(),
                o.clients(),
                o.pipeline(),
                o.pipeline(),
                o.pipeline(),
                o.pipeline(),
                o.measure().toSeconds(),
                o.warmup().toSeconds(),
                o.redisRequests()));
        notes.add(
                "A Ferry command runs the application handler on a session's own executor and answers with a row and a DONE frame; "
                        + "redis-server answers from one thread in C. The ratio is the price of that, not a goal to equal.");
        return new BenchResult(
                "throughput",
                "Throughput: small commands on one server vs redis-server",
                at,
                command,
                Measures.machine(loadBefore),
                "redis-benchmark against redis-server on the same machine, same concurrency and pipeline depth",
                figures,
                List.of(),
                notes);
    }

    private static String key(String verb, int depth) {
        return verb + (depth == 1 ? ", 1 outstanding per client" : ", " + depth + " outstanding per client");
    }

    /**
     * Every session sends {@code depth} copies of {@code command} back to back and waits for all
     * their answers, again and again, for {@code duration}; commands per second.
     */
    private static double closedLoop(List<FerrySession> sessions, String command, int depth, Duration duration)
            throws InterruptedException {
        List<String> batch = java.util.Collections.nCopies(depth, command);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong done = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(sessions.size());
        long t0 = System.nanoTime();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (FerrySession s : sessions) {
                vt.execute(() -> {
                    try {
                        while (running.get()) {
                            if (depth == 1) s.execute(command);
                            else s.executeAll(batch);
                            done.addAndGet(depth);
                        }
                    } catch (RuntimeException e) {
                        log.warn("a closed-loop session failed: {}", e.toString());
                    } finally {
                        finished.countDown();
                    }
                });
            }
            Thread.sleep(duration.toMillis()); // the measured window
            running.set(false);
            long counted = done.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            finished.await();
            return counted / seconds;
        }
    }

    /** Requests per second by test name (SET, GET) from redis-benchmark's CSV. */
    static Map<String, Double> redisBenchmark(RedisServer server, int clients, int depth, int requests)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "redis-benchmark",
                "-h",
                server.host(),
                "-p",
                Integer.toString(server.port()),
                "-c",
                Integer.toString(clients),
                "-n",
                Integer.toString(requests),
                "-P",
                Integer.toString(depth),
                "-t",
                "set,get",
                "--csv"));
        if (server.password() != null) cmd.addAll(List.of("-a", server.password()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("redis-benchmark failed: " + out);
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.replace("\"", "").split(",");
            if (f.length >= 2 && (f[0].equals("SET") || f[0].equals("GET"))) rates.put(f[0], Double.parseDouble(f[1]));
        }
        if (rates.size() != 2) throw new IOException("redis-benchmark printed no SET/GET rates: " + out);
        return rates;
    }
}
