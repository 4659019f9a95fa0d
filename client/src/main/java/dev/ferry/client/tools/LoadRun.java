package dev.ferry.client.tools;

import dev.ferry.client.ClientMetrics;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.CommandFailedException;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerryException;
import dev.ferry.client.FerrySession;
import dev.ferry.client.ResumeRefusedException;
import dev.ferry.client.SessionExpiredException;
import dev.ferry.client.SessionLostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A closed-loop load run against a server speaking the reference server's commands: N sessions,
 * each on its own virtual thread, each sending one command at a time from a weighted mix for a
 * duration. It checks what a client can check on its own: INCR on a key only this session uses
 * counts up by one each time (so the session's state survived every migration), GET returns the
 * session's last SET, STREAM rows are complete and in order.
 *
 * <p>Usable in-process (benchmarks, demo): {@code new LoadRun(options).run()}, or
 * {@link #run(FerryClient)} with a client the caller owns. {@link #intervalLatency()} gives the
 * latency since its last call while the run goes on.
 */
public final class LoadRun {
    private static final Logger log = LoggerFactory.getLogger(LoadRun.class);
    private static final int MAX_SAMPLES = 20;

    /** Commands of the reference server the mix can use. TXN is BEGIN, INCR, COMMIT. */
    public enum Op {
        PING,
        ECHO,
        SET,
        GET,
        INCR,
        STREAM,
        SLEEP,
        TXN,
        WHOAMI
    }

    private final Options options;
    private final Recorder latencyRecorder = new Recorder(3);
    private final Histogram latencyTotal = new Histogram(3);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong sessionsFailed = new AtomicLong();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final List<String> violationSamples = Collections.synchronizedList(new ArrayList<>());
    private final String runId = Long.toHexString(System.nanoTime());
    private volatile boolean stopped;

    public LoadRun(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** Ends the run early; {@link #run()} returns soon after, when each session's command ends. */
    public void stop() {
        stopped = true;
    }

    public long commandsOk() {
        return ok.get();
    }

    public long commandsFailed() {
        return failed.get();
    }

    /** Command latency (microseconds) recorded since the previous call. */
    public synchronized Histogram intervalLatency() {
        Histogram h = latencyRecorder.getIntervalHistogram();
        latencyTotal.add(h);
        return h;
    }

    /** Runs with a client of its own, built from the options, and closes it at the end. */
    public Result run() {
        ClientOptions co = ClientOptions.builder()
                .serviceAddress(options.address())
                .readAhead(options.readAhead())
                .eventLoopThreads(options.eventLoopThreads())
                .connectTimeout(options.connectTimeout())
                .commandTimeout(options.commandTimeout())
                .clientName("ferry-load")
                .build();
        try (FerryClient client = FerryClient.create(co)) {
            return run(client);
        }
    }

    /** Runs on {@code client}'s sessions; the client stays open. Migration figures are the client's. */
    public Result run(FerryClient client) {
        ClientMetrics.Snapshot before = client.metrics().snapshot();
        long start = System.nanoTime();
        long end = start + options.duration().toNanos();
        CountDownLatch finished = new CountDownLatch(options.sessions());
        for (int i = 0; i < options.sessions(); i++) {
            int index = i;
            Thread.ofVirtual().name("load-", i).start(() -> {
                try {
                    new Worker(client, index, end).loop();
                } catch (RuntimeException e) {
                    log.warn("session worker {} stopped: {}", index, e.toString());
                    sessionsFailed.incrementAndGet();
                    countError(e);
                } finally {
                    finished.countDown();
                }
            });
        }
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Histogram latency;
        synchronized (this) {
            latencyTotal.add(latencyRecorder.getIntervalHistogram());
            latency = latencyTotal.copy();
        }
        ClientMetrics.Snapshot after = client.metrics().snapshot();
        Map<String, Long> errorCounts = new LinkedHashMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.get()));
        return new Result(
                options.sessions(),
                sessionsFailed.get(),
                elapsed,
                ok.get(),
                failed.get(),
                violations.get(),
                reconnects.get(),
                latency,
                millis(latency, 50),
                millis(latency, 99),
                millis(latency, 99.9),
                latency.getMaxValue() / 1000.0,
                after.migrationsCompleted() - before.migrationsCompleted(),
                after.migrationsFailed() - before.migrationsFailed(),
                after.duplicateRows() - before.duplicateRows(),
                after.seqGaps() - before.seqGaps(),
                after.pauseP50Millis(),
                after.pauseP99Millis(),
                after.pauseMaxMillis(),
                Map.copyOf(errorCounts),
                List.copyOf(violationSamples));
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private void countError(Throwable e) {
        String kind = e.getClass().getSimpleName();
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    private void violation(String what) {
        violations.incrementAndGet();
        if (violationSamples.size() < MAX_SAMPLES) violationSamples.add(what);
        log.error("invariant violated: {}", what);
    }

    /** One session's closed loop and what it knows about its own state. */
    private final class Worker {
        private final FerryClient client;
        private final int index;
        private final long endNanos;
        private final String counterKey;
        private final String valueKey;
        private final List<Op> wheel;
        private FerrySession session;
        /** The counter's value as this session last saw it; null when unknown (after an uncertain INCR). */
        private Long counter = 0L;
        /** The value of valueKey as last SET; null = never set in this session. */
        private String lastSet;

        private boolean lastSetKnown = true;

        Worker(FerryClient client, int index, long endNanos) {
            this.client = client;
            this.index = index;
            this.endNanos = endNanos;
            this.counterKey = "c-" + runId + "-" + index;
            this.valueKey = "v-" + runId + "-" + index;
            this.wheel = options.wheel();
        }

        void loop() {
            session = client.connect();
            try {
                while (!stopped && System.nanoTime() < endNanos) {
                    Op op = wheel.get(ThreadLocalRandom.current().nextInt(wheel.size()));
                    runOne(op);
                    if (!options.thinkTime().isZero()) sleep(options.thinkTime());
                }
            } finally {
                session.close();
            }
        }

        private void runOne(Op op) {
            try {
                switch (op) {
                    case PING -> timed("PING");
                    case WHOAMI -> timed("WHOAMI");
                    case ECHO -> {
                        String word = "w" + ThreadLocalRandom.current().nextInt(1_000_000);
                        dev.ferry.client.Result r = timed("ECHO " + word);
                        if (!r.rows().isEmpty() && !word.equals(r.firstText())) {
                            violation("session " + index + ": ECHO " + word + " returned " + r.firstText());
                        }
                    }
                    case SET -> {
                        String value = Long.toString(ThreadLocalRandom.current().nextLong(1_000_000_000L));
                        lastSetKnown = false; // if it fails half-way we cannot tell
                        timed("SET " + valueKey + " " + value);
                        lastSet = value;
                        lastSetKnown = true;
                    }
                    case GET -> {
                        dev.ferry.client.Result r = timed("GET " + valueKey);
                        if (lastSetKnown && !Objects.equals(lastSet, r.firstText())) {
                            violation("session " + index + ": GET returned " + r.firstText() + ", last SET was "
                                    + lastSet);
                        }
                    }
                    case INCR -> incr();
                    case TXN -> {
                        timed("BEGIN");
                        incr();
                        timed("COMMIT");
                    }
                    case STREAM -> stream();
                    case SLEEP -> timed("SLEEP " + options.sleepMillis());
                }
            } catch (CommandFailedException e) {
                failed.incrementAndGet();
                countError(e);
                log.debug("session {}: {}", index, e.getMessage());
            } catch (SessionLostException | SessionExpiredException | ResumeRefusedException e) {
                failed.incrementAndGet();
                countError(e);
                log.warn("session {}: {}; opening a new session", index, e.getMessage());
                reconnect();
            } catch (FerryException e) {
                failed.incrementAndGet();
                countError(e);
                log.debug("session {}: {}", index, e.getMessage());
                counter = null; // an INCR may or may not have run
                lastSetKnown = false;
            }
        }

        private void incr() {
            Long before = counter;
            counter = null;
            dev.ferry.client.Result r = timed("INCR " + counterKey);
            long now;
            try {
                now = Long.parseLong(Objects.requireNonNull(r.firstText(), "no row"));
            } catch (RuntimeException e) {
                violation("session " + index + ": INCR returned " + r.rows() + " (" + e.getMessage() + ")");
                return;
            }
            if (before != null && now != before + 1) {
                violation("session " + index + ": INCR " + counterKey + " returned " + now + ", expected "
                        + (before + 1) + " (the session's state did not survive, or a command ran twice)");
            }
            counter = now;
        }

        private void stream() {
            int n = options.streamRows();
            String cmd =
                    options.streamDelayMillis() > 0 ? "STREAM " + n + " " + options.streamDelayMillis() : "STREAM " + n;
            dev.ferry.client.Result r = timed(cmd);
            boolean inOrder = r.rows().size() == n;
            for (int i = 0; inOrder && i < n; i++) {
                inOrder = r.rows().get(i).seq() == i
                        && Integer.toString(i).equals(r.rows().get(i).text());
            }
            if (!inOrder) {
                violation("session " + index + ": " + cmd + " returned "
                        + r.rows().size() + " rows, not 0.." + (n - 1) + " in order");
            }
        }

        private dev.ferry.client.Result timed(String command) {
            long t0 = System.nanoTime();
            dev.ferry.client.Result r = session.execute(command);
            latencyRecorder.recordValue(Math.max(0, (System.nanoTime() - t0) / 1000));
            ok.incrementAndGet();
            return r;
        }

        private void reconnect() {
            try {
                session.close();
            } catch (RuntimeException ignored) {
                // the old session is gone already
            }
            session = client.connect();
            reconnects.incrementAndGet();
            counter = 0L; // a new session starts with a fresh state
            lastSet = null;
            lastSetKnown = true;
        }

        private void sleep(Duration d) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }

    /**
     * What to run.
     *
     * @param mix relative weight of each operation; operations absent or 0 are not used
     */
    public record Options(
            String address,
            int sessions,
            Duration duration,
            boolean readAhead,
            Map<Op, Integer> mix,
            int streamRows,
            int streamDelayMillis,
            int sleepMillis,
            Duration thinkTime,
            int eventLoopThreads,
            Duration connectTimeout,
            Duration commandTimeout) {
        public Options {
            Objects.requireNonNull(address, "address");
            if (sessions < 1) throw new IllegalArgumentException("sessions must be >= 1");
            Objects.requireNonNull(duration, "duration");
            mix = Map.copyOf(mix);
            if (mix.values().stream().mapToInt(Integer::intValue).sum() <= 0)
                throw new IllegalArgumentException("the mix is empty");
            if (streamRows < 0) throw new IllegalArgumentException("streamRows must be >= 0");
        }

        /** The default mix: mostly short commands, some streams and transactions. */
        public static Map<Op, Integer> defaultMix() {
            Map<Op, Integer> m = new EnumMap<>(Op.class);
            m.put(Op.PING, 2);
            m.put(Op.ECHO, 1);
            m.put(Op.SET, 2);
            m.put(Op.GET, 2);
            m.put(Op.INCR, 4);
            m.put(Op.STREAM, 1);
            m.put(Op.TXN, 1);
            m.put(Op.WHOAMI, 1);
            return m;
        }

        /** Parses {@code "ping=2,incr=4,stream=1"}. */
        public static Map<Op, Integer> parseMix(String spec) {
            Map<Op, Integer> m = new EnumMap<>(Op.class);
            for (String part : spec.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) continue;
                String[] kv = p.split("=", 2);
                Op op = Op.valueOf(kv[0].trim().toUpperCase(java.util.Locale.ROOT));
                m.put(op, kv.length == 2 ? Integer.parseInt(kv[1].trim()) : 1);
            }
            return m;
        }

        public static Options defaults(String address) {
            return new Options(
                    address,
                    10,
                    Duration.ofSeconds(10),
                    true,
                    defaultMix(),
                    20,
                    0,
                    10,
                    Duration.ZERO,
                    1,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(30));
        }

        public Options withSessions(int n) {
            return new Options(
                    address,
                    n,
                    duration,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withDuration(Duration d) {
            return new Options(
                    address,
                    sessions,
                    d,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withReadAhead(boolean r) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    r,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withMix(Map<Op, Integer> m) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    m,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withStream(int rows, int delayMillis) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    mix,
                    rows,
                    delayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withSleepMillis(int ms) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    ms,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withThinkTime(Duration t) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    t,
                    eventLoopThreads,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withEventLoopThreads(int n) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    n,
                    connectTimeout,
                    commandTimeout);
        }

        public Options withCommandTimeout(Duration t) {
            return new Options(
                    address,
                    sessions,
                    duration,
                    readAhead,
                    mix,
                    streamRows,
                    streamDelayMillis,
                    sleepMillis,
                    thinkTime,
                    eventLoopThreads,
                    connectTimeout,
                    t);
        }

        /** Each operation repeated by its weight, for a uniform pick. */
        List<Op> wheel() {
            List<Op> w = new ArrayList<>();
            for (Op op : Op.values()) for (int i = 0; i < mix.getOrDefault(op, 0); i++) w.add(op);
            return List.copyOf(w);
        }
    }

    /**
     * The outcome of a run. Latency figures are milliseconds; {@code latencyMicros} is the whole
     * histogram in microseconds. Migration figures count only this run.
     */
    public record Result(
            int sessions,
            long sessionsFailed,
            Duration elapsed,
            long commandsOk,
            long commandsFailed,
            long invariantViolations,
            long reconnects,
            Histogram latencyMicros,
            double latencyP50Millis,
            double latencyP99Millis,
            double latencyP999Millis,
            double latencyMaxMillis,
            long migrations,
            long migrationsFailed,
            long duplicateRows,
            long seqGaps,
            double pauseP50Millis,
            double pauseP99Millis,
            double pauseMaxMillis,
            Map<String, Long> errors,
            List<String> violationSamples) {

        public double commandsPerSecond() {
            double s = elapsed.toNanos() / 1e9;
            return s > 0 ? commandsOk / s : 0;
        }

        /** True when every session ran to the end, every command succeeded and no invariant was violated. */
        public boolean clean() {
            return sessionsFailed == 0
                    && commandsFailed == 0
                    && invariantViolations == 0
                    && duplicateRows == 0
                    && seqGaps == 0;
        }

        public String toJson() {
            Json j = new Json();
            j.field("sessions", sessions)
                    .field("sessionsFailed", sessionsFailed)
                    .field("elapsedSeconds", elapsed.toMillis() / 1000.0)
                    .field("commandsOk", commandsOk)
                    .field("commandsFailed", commandsFailed)
                    .field("commandsPerSecond", commandsPerSecond())
                    .field("invariantViolations", invariantViolations)
                    .field("reconnects", reconnects)
                    .field("latencyP50Millis", latencyP50Millis)
                    .field("latencyP99Millis", latencyP99Millis)
                    .field("latencyP999Millis", latencyP999Millis)
                    .field("latencyMaxMillis", latencyMaxMillis)
                    .field("migrations", migrations)
                    .field("migrationsFailed", migrationsFailed)
                    .field("duplicateRows", duplicateRows)
                    .field("seqGaps", seqGaps)
                    .field("pauseP50Millis", pauseP50Millis)
                    .field("pauseP99Millis", pauseP99Millis)
                    .field("pauseMaxMillis", pauseMaxMillis)
                    .field("errors", errors)
                    .field("violationSamples", violationSamples);
            return j.close();
        }

        public String toText() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "sessions %d (%d stopped on an error), %.1f s%n",
                    sessions,
                    sessionsFailed,
                    elapsed.toMillis() / 1000.0));
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "commands ok %d, failed %d (%.0f/s)%n",
                    commandsOk,
                    commandsFailed,
                    commandsPerSecond()));
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "latency ms p50 %.3f  p99 %.3f  p999 %.3f  max %.3f%n",
                    latencyP50Millis,
                    latencyP99Millis,
                    latencyP999Millis,
                    latencyMaxMillis));
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "migrations %d (failed %d), pause ms p50 %.3f  p99 %.3f  max %.3f%n",
                    migrations,
                    migrationsFailed,
                    pauseP50Millis,
                    pauseP99Millis,
                    pauseMaxMillis));
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "invariant violations %d, duplicate rows %d, seq gaps %d, reconnects %d%n",
                    invariantViolations,
                    duplicateRows,
                    seqGaps,
                    reconnects));
            if (!errors.isEmpty()) sb.append("errors ").append(errors).append(System.lineSeparator());
            for (String v : violationSamples)
                sb.append("  violation: ").append(v).append(System.lineSeparator());
            return sb.toString();
        }
    }
}
