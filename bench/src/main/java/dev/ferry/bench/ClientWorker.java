package dev.ferry.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.client.ClientMetrics;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One client process of the idle-drain benchmark ({@link WorkerProtocol}). It holds a share of
 * the sessions, follows the drain like any application would (the client library moves each
 * session on its own) and tells the coordinator when its last session has moved.
 */
@Command(
        name = "client-worker",
        hidden = true,
        description = "Client process of idle-drain (driven over stdin/stdout).")
final class ClientWorker implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ClientWorker.class);

    @Option(names = "--id", defaultValue = "0")
    int id;

    @Option(names = "--client-threads", defaultValue = "1", description = "client event loop threads")
    int clientThreads;

    @Option(names = "--open-concurrency", defaultValue = "256", description = "sessions opened at the same time")
    int openConcurrency;

    private final PrintStream out = System.out;

    /** The sessions of one round, on one fresh client (so its metrics are this round's). */
    private final class Round {
        final FerryClient client;
        final List<FerrySession> sessions;
        final AtomicInteger moved = new AtomicInteger();
        final AtomicLong lastMoveNanos = new AtomicLong();
        final AtomicBoolean announced = new AtomicBoolean();
        /** When each session moved ({@link System#nanoTime()}, the same clock as the coordinator's). */
        final ConcurrentLinkedQueue<Long> moveNanos = new ConcurrentLinkedQueue<>();

        final List<FerryClient> baselineClients = new ArrayList<>();
        final List<FerrySession> baselineSessions = Collections.synchronizedList(new ArrayList<>());

        Round(FerryClient client, List<FerrySession> sessions) {
            this.client = client;
            this.sessions = sessions;
        }

        /** When each session completed its first move of the round, by session ID (nanoTime). */
        final Map<String, Long> movedAt = new java.util.concurrent.ConcurrentHashMap<>();

        void migrated(FerrySession s) {
            long now = System.nanoTime();
            movedAt.putIfAbsent(s.sessionId().toString(), now);
            moveNanos.add(now);
            int n = moved.incrementAndGet();
            lastMoveNanos.set(now);
            if (n >= sessions.size() && announced.compareAndSet(false, true)) {
                ObjectNode b = WorkerProtocol.JSON
                        .createObjectNode()
                        .put("moved", n)
                        .put("lastMoveNanos", lastMoveNanos.get());
                emit("MOVED", b);
            }
        }
    }

    private Round round;

    private synchronized void emit(String word, ObjectNode body) {
        out.println(WorkerProtocol.line(word, body));
        out.flush();
    }

    @Override
    public Integer call() throws Exception {
        emit(
                "READY",
                WorkerProtocol.JSON
                        .createObjectNode()
                        .put("id", id)
                        .put("pid", ProcessHandle.current().pid()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0]) {
                    case "OPEN" -> open(w[1], Integer.parseInt(w[2]), false);
                    case "ADD" -> open(w[1], Integer.parseInt(w[2]), true);
                    case "REPORT" -> report(w.length > 1 ? Long.parseLong(w[1]) : Long.MIN_VALUE);
                    case "BASELINE" ->
                        baseline(
                                List.of(w[1].split(",")),
                                Long.parseLong(w[2]),
                                new ReconnectPolicy(Integer.parseInt(w[3]), Double.parseDouble(w[4])));
                    case "CLOSE" -> close();
                    case "QUIT" -> {
                        close();
                        return 0;
                    }
                    default ->
                        emit("ERROR", WorkerProtocol.JSON.createObjectNode().put("error", "unknown command " + line));
                }
            } catch (RuntimeException | InterruptedException e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                log.error("worker {}: '{}' failed", id, line, e);
                emit("ERROR", WorkerProtocol.JSON.createObjectNode().put("error", line + ": " + e));
            }
        }
        // The coordinator went away (stdin closed): do not outlive it.
        close();
        return 0;
    }

    /** Opens n sessions: a new round, or ({@code add}) more sessions on the current round's client. */
    private void open(String address, int n, boolean add) throws InterruptedException {
        if (round != null && !add) close();
        long t0 = System.nanoTime();
        // A generous connect timeout: thousands of connects at once on a busy 2-core machine queue in the backlog.
        Round r = round != null
                ? round
                : new Round(
                        FerryClient.create(ClientOptions.builder()
                                .serviceAddress(address)
                                .connectTimeout(java.time.Duration.ofSeconds(30))
                                .eventLoopThreads(clientThreads)
                                .build()),
                        new ArrayList<>());
        FerryClient client = r.client;
        ConcurrentLinkedQueue<FerrySession> opened = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        Semaphore inFlight = new Semaphore(openConcurrency);
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                vt.execute(() -> {
                    try {
                        FerrySession s = client.connect();
                        s.execute("SET user u" + s.sessionId());
                        s.onMigration(e -> r.migrated(s));
                        opened.add(s);
                    } catch (RuntimeException e) {
                        if (failed.getAndIncrement() == 0)
                            log.warn("worker {}: opening a session failed: {}", id, e.toString());
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        r.sessions.addAll(opened);
        round = r;
        emit(
                "OPENED",
                WorkerProtocol.JSON
                        .createObjectNode()
                        .put("opened", opened.size())
                        .put("failed", failed.get())
                        .put("holding", r.sessions.size())
                        .put("millis", (System.nanoTime() - t0) / 1_000_000));
    }

    private void report(long originNanos) {
        Round r = requireRound();
        ClientMetrics m = r.client.metrics();
        Map<String, Integer> byServer = new TreeMap<>();
        int open = 0;
        for (FerrySession s : r.sessions) {
            if (s.isOpen()) open++;
            byServer.merge(s.serverName(), 1, Integer::sum);
        }
        ObjectNode b = WorkerProtocol.JSON
                .createObjectNode()
                .put("sessions", r.sessions.size())
                .put("open", open)
                .put("moved", r.moved.get())
                .put("lastMoveNanos", r.lastMoveNanos.get())
                .put("migrationsCompleted", m.migrationsCompleted())
                .put("migrationsFailed", m.migrationsFailed())
                .put("migrationsCancelled", m.migrationsCancelled())
                .put("failedResumes", m.failedResumes())
                .put("sessionsLost", m.sessionsLost())
                .put("pause", WorkerProtocol.encode(m.pauseHistogramMicros()));
        ObjectNode servers = b.putObject("byServer");
        byServer.forEach(servers::put);
        if (originNanos != Long.MIN_VALUE) {
            var times = b.putArray("moveMicros");
            for (long t : r.moveNanos) times.add((t - originNanos) / 1000);
            ObjectNode moved = b.putObject("movedAt");
            r.movedAt.forEach(moved::put);
        }
        emit("REPORT", b);
    }

    /**
     * What users have without Ferry: each session is closed, a new connection opens to a peer and
     * logs in again. Which session goes when follows {@code policy}, as a server closing its
     * connections would decide it: this worker's share of the drain's window on their way at a time
     * (none: all at once), at most {@code perSecond} decided a second (0: unpaced). Pause: from that decision (for all
     * at once, the origin: everyone is told at the same moment) to the re-login's answer.
     */
    private void baseline(List<String> peers, long originNanos, ReconnectPolicy policy) throws InterruptedException {
        Round r = requireRound();
        List<FerryClient> clients = new ArrayList<>();
        for (String p : peers) {
            clients.add(FerryClient.create(ClientOptions.builder()
                    .serviceAddress(p)
                    .connectTimeout(java.time.Duration.ofSeconds(30))
                    .eventLoopThreads(clientThreads)
                    .build()));
        }
        r.baselineClients.addAll(clients);
        ConcurrentHistogram pause = new ConcurrentHistogram(3);
        AtomicInteger failures = new AtomicInteger();
        ConcurrentLinkedQueue<Long> doneNanos = new ConcurrentLinkedQueue<>();
        long t0 = System.nanoTime();
        ReconnectPolicy.Slots window = policy.slots();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < r.sessions.size(); i++) {
                FerrySession old = r.sessions.get(i);
                FerryClient to = clients.get(i % clients.size());
                long decided = policy.admit(i, originNanos, window);
                vt.execute(() -> {
                    long done = 0;
                    boolean moved = false;
                    try {
                        old.close();
                        FerrySession fresh = to.connect();
                        fresh.execute("SET user u" + fresh.sessionId());
                        done = System.nanoTime();
                        pause.recordValue(Math.max(1, (done - decided) / 1000));
                        doneNanos.add(done);
                        r.baselineSessions.add(fresh);
                        moved = true;
                    } catch (RuntimeException e) {
                        if (failures.getAndIncrement() == 0)
                            log.warn("worker {}: a reconnect failed: {}", id, e.toString());
                    } finally {
                        if (moved) window.moved(done - decided);
                        else window.failed();
                    }
                });
            }
        }
        ObjectNode b = WorkerProtocol.JSON
                .createObjectNode()
                .put("reconnected", r.baselineSessions.size())
                .put("failures", failures.get())
                .put("millis", (System.nanoTime() - t0) / 1_000_000)
                .put("pause", WorkerProtocol.encode(pause));
        var times = b.putArray("doneMicros");
        for (long t : doneNanos) times.add((t - originNanos) / 1000);
        emit("BASELINED", b);
    }

    private void close() {
        Round r = round;
        round = null;
        int n = 0;
        if (r != null) {
            n = r.sessions.size() + r.baselineSessions.size();
            for (FerryClient c : r.baselineClients) c.close();
            r.client.close();
        }
        emit("CLOSED", WorkerProtocol.JSON.createObjectNode().put("closed", n));
    }

    private Round requireRound() {
        if (round == null) throw new IllegalStateException("no sessions: send OPEN first");
        return round;
    }
}
