package dev.ferry.server;

import dev.ferry.protocol.SessionId;
import dev.ferry.store.ContextStore;
import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** What every session of one server shares. */
final class ServerRuntime {
    final ServerOptions options;
    final ContextStore store;
    final MigrationTimers timers;
    final SessionHandler handler;
    final ServerMetrics metrics;
    /** Runs application handlers and session tasks: virtual threads, or a test's own executor. */
    final ExecutorService virtualThreads;

    final Map<SessionId, ServerSession> sessions = new ConcurrentHashMap<>();
    /** Session ids and resume tokens. */
    final SecureRandom random = sessionSecrets();

    private final AtomicInteger migrationIds = new AtomicInteger();
    volatile boolean serving = true;
    volatile String advertisedAddress;
    /** Hears of every session's lifecycle changes (a drain, to ask the next sessions then); called under the session's lock. */
    volatile Consumer<ServerSession> sessionWatcher = session -> {};

    ServerRuntime(ServerOptions options, ServerMetrics metrics) {
        this(
                options,
                metrics,
                Executors.newThreadPerTaskExecutor(
                        Thread.ofVirtual().name("ferry-session-", 0).factory()));
    }

    /** For tests that drive sessions deterministically: every session task runs on {@code executor}. */
    ServerRuntime(ServerOptions options, ServerMetrics metrics, ExecutorService executor) {
        this.virtualThreads = executor;
        this.options = options;
        this.store = options.contextStore();
        this.timers = options.timers();
        this.handler = options.handler();
        this.metrics = metrics;
    }

    /**
     * A 256-bit DRBG (NIST SP 800-90A) seeded once from the platform's entropy source. The default
     * {@code new SecureRandom()} on Linux is NativePRNG, which reads /dev/urandom under one lock for
     * every id and token: a system call per session opened or resumed, on the event loops.
     */
    private static SecureRandom sessionSecrets() {
        try {
            return SecureRandom.getInstance(
                    "DRBG", DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom(); // a JDK without the DRBG provider: the platform default still works
        }
    }

    /** Marks a claim the source made to call its own migration off. */
    static final String CANCEL_CLAIM_SUFFIX = " (cancelled)";

    String name() {
        return options.serverName();
    }

    /** Removes a session and wakes whoever waits for the server to empty (a SIGTERM drain). */
    void removeSession(SessionId id, ServerSession session) {
        if (sessions.remove(id, session) && sessions.isEmpty()) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Waits until no session is left or {@code nanos} have passed. @return whether it emptied */
    synchronized boolean awaitEmpty(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (!sessions.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** A session's lifecycle changed (its state, or its connection closed). */
    void sessionChanged(ServerSession session) {
        sessionWatcher.accept(session);
    }

    String cancelClaimant() {
        return options.serverName() + CANCEL_CLAIM_SUFFIX;
    }

    int nextMigrationId() {
        int id;
        do {
            id = migrationIds.incrementAndGet();
        } while (id == 0);
        return id;
    }

    /** How long a claimed record's tombstone stays, so a late second resume is told "already claimed". */
    Duration tombstoneTtl() {
        Duration s = timers.sessionIdle();
        return s.compareTo(Duration.ofMinutes(1)) > 0 ? s : Duration.ofMinutes(1);
    }
}
