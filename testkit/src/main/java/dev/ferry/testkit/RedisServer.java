package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} process for tests, bound to 127.0.0.1 on a free port, with no
 * persistence and its own temporary directory.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.builder().build().start()) {
 *     String uri = redis.uri();          // redis://127.0.0.1:PORT
 *     redis.kill();                      // crash it
 *     redis.start();                     // back, on the same port, empty
 * }
 * }</pre>
 *
 * <p>The binary is {@code redis-server} from the PATH, or the one the {@code REDIS_SERVER}
 * environment variable names. The port stays the same across {@link #stop()}/{@link #kill()} and
 * {@link #start()}, so a client can watch the server go away and come back. {@link #close()} stops
 * the process and deletes the directory; a JVM shutdown hook kills whatever is still running.
 * Not thread-safe: one test drives one server.
 */
public final class RedisServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisServer.class);
    private static final String HOST = "127.0.0.1";
    private static final int LOG_TAIL_LINES = 30;
    /** Attempts when the port was picked for us and someone else grabbed it before redis did. */
    private static final int PORT_CLASH_ATTEMPTS = 5;

    private final String binary;
    private final String password;
    private final TestPki tlsPki;
    private final TestPki.Issued tlsCert;
    private final List<String> extraArgs;
    private final Duration startupTimeout;
    private final boolean portChosenByUs;
    /** Cluster mode: the bus port, picked with the port and picked again with it after a clash. */
    private final boolean clusterBus;

    private final Path directory;
    private int port;
    private int clusterBusPort;
    private Process process;
    private boolean hasStartedBefore;
    private boolean closed;

    private RedisServer(Builder builder) {
        this.binary = builder.binary != null ? builder.binary : defaultBinary();
        this.tlsPki = builder.tlsPki;
        // TLS tests also exercise AUTH: a TLS server always has a password, random unless one was set.
        this.password = builder.password != null || tlsPki == null
                ? builder.password
                : "pw-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        this.extraArgs = List.copyOf(builder.extraArgs);
        this.startupTimeout = builder.startupTimeout;
        this.portChosenByUs = builder.port == 0;
        this.port = portChosenByUs ? FreePorts.next() : builder.port;
        this.clusterBus = builder.clusterBus;
        if (clusterBus) clusterBusPort = FreePorts.next();
        try {
            this.directory = Files.createTempDirectory("ferry-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for redis-server", e);
        }
        this.tlsCert = tlsPki == null ? null : tlsPki.server("redis-" + directory.getFileName(), HOST);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server with the defaults: free port, no password. */
    public static RedisServer startDefault() {
        return builder().build().start();
    }

    /**
     * Starts the process (again, after {@link #stop()} or {@link #kill()}, on the same port) and
     * returns once it answers PING.
     *
     * @throws IllegalStateException if it is already running, or it did not come up in time (the
     *     message carries the tail of its log)
     */
    public RedisServer start() {
        if (closed) throw new IllegalStateException("this RedisServer is closed");
        if (isRunning()) throw new IllegalStateException("redis-server is already running on port " + port);
        for (int attempt = 1; ; attempt++) {
            try {
                launchAndAwaitPing();
                return this;
            } catch (PortClashException e) {
                // Only ports we picked may be swapped; a caller's explicit port, or the ports of a
                // restart, must stay what they are.
                if ((!portChosenByUs && !clusterBus) || hasStartedBefore || attempt == PORT_CLASH_ATTEMPTS) {
                    throw new IllegalStateException(e.getMessage());
                }
                log.debug(
                        "port {} (or cluster bus port {}) was taken before redis-server bound it; trying others",
                        port,
                        clusterBusPort);
                if (portChosenByUs) port = FreePorts.next();
                if (clusterBus) clusterBusPort = FreePorts.next();
            }
        }
    }

    private void launchAndAwaitPing() {
        Path logFile = logFile();
        List<String> command = new ArrayList<>(List.of(
                binary,
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
                "--dir",
                directory.toString()));
        if (tlsCert != null) {
            // TLS only: the plain port is off, so a test cannot pass by falling back to plain TCP.
            command.addAll(List.of(
                    "--port",
                    "0",
                    "--tls-port",
                    Integer.toString(port),
                    "--tls-cert-file",
                    tlsCert.certPem().toString(),
                    "--tls-key-file",
                    tlsCert.keyPem().toString(),
                    "--tls-ca-cert-file",
                    tlsPki.caPem().toString(),
                    "--tls-auth-clients",
                    "no"));
        } else {
            command.addAll(List.of("--port", Integer.toString(port)));
        }
        if (password != null) {
            command.add("--requirepass");
            command.add(password);
        }
        if (clusterBus) {
            // The bus port is chosen explicitly: the default (port + 10000) may be outside the port range or in use.
            command.addAll(List.of("--cluster-enabled", "yes", "--cluster-port", Integer.toString(clusterBusPort)));
        }
        command.addAll(extraArgs);
        Process started;
        try {
            started = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run '" + binary + "' (install redis-server or set REDIS_SERVER)", e);
        }
        ProcessReaper.track(started);
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() - deadline < 0) {
            if (!started.isAlive()) {
                String tail = logTail();
                if (tail.contains("Address already in use")) {
                    throw new PortClashException("redis-server could not bind 127.0.0.1:" + port + "\n" + tail);
                }
                throw new IllegalStateException("redis-server exited with code " + started.exitValue()
                        + " before answering PING; last lines of " + logFile + ":\n" + tail);
            }
            try {
                if (answersPing()) {
                    process = started;
                    hasStartedBefore = true;
                    log.info("redis-server started on {}:{} (pid {}, dir {})", HOST, port, started.pid(), directory);
                    return;
                }
                lastProblem = "answered PING with an error";
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            pause();
        }
        started.destroyForcibly();
        awaitExit(started);
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + startupTimeout
                + " (" + lastProblem + "); last lines of " + logFile + ":\n" + logTail());
    }

    /** A short back-off between polls; bounded by the startup deadline, not a wait for state. */
    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private boolean answersPing() throws IOException {
        try (RespConnection connection = connect(Duration.ofMillis(500))) {
            return "PONG".equals(connection.command("PING"));
        }
    }

    /**
     * Opens a raw RESP connection to this server, authenticated if it has a password. For tests
     * that need to look at or poke the data directly.
     */
    public RespConnection connect(Duration timeout) throws IOException {
        RespConnection connection = tlsPki == null
                ? RespConnection.open(HOST, port, timeout)
                : RespConnection.open(HOST, port, timeout, tlsPki.trustingContext());
        if (password != null) {
            Object reply = connection.command("AUTH", password);
            if (!"OK".equals(reply)) {
                connection.close();
                throw new IOException("AUTH failed: " + reply);
            }
        }
        return connection;
    }

    /** Sends one command on a fresh connection; convenient for tests. */
    public Object command(String... args) {
        try (RespConnection connection = connect(Duration.ofSeconds(5))) {
            return connection.command(args);
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server on port " + port + " did not answer " + args[0], e);
        }
    }

    /** Graceful stop: SIGTERM (redis shuts down without saving, as configured), then waits. */
    public void stop() {
        if (process == null) return;
        Process stopping = process;
        process = null;
        stopping.destroy();
        if (!awaitExit(stopping)) {
            log.warn("redis-server on port {} ignored SIGTERM; killing it", port);
            stopping.destroyForcibly();
            awaitExit(stopping);
        }
        log.info("redis-server on port {} stopped", port);
    }

    /** Simulates a crash: SIGKILL, then waits until the process is gone. */
    public void kill() {
        if (process == null) return;
        Process killed = process;
        process = null;
        killed.destroyForcibly();
        awaitExit(killed);
        log.info("redis-server on port {} killed", port);
    }

    private boolean awaitExit(Process p) {
        try {
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT} ({@code rediss://} with TLS), with {@code :password@} if the server has one. */
    public String uri() {
        String scheme = tlsPki == null ? "redis://" : "rediss://";
        return password == null ? scheme + HOST + ":" + port : scheme + ":" + password + "@" + HOST + ":" + port;
    }

    /** Whether the server speaks TLS only (built with {@link Builder#tls(TestPki)}). */
    public boolean tls() {
        return tlsPki != null;
    }

    public String password() {
        return password;
    }

    /** The server's own directory (working dir, log file, cluster node file). */
    public Path directory() {
        return directory;
    }

    /** Where the server's stdout and stderr go. */
    public Path logFile() {
        return directory.resolve("redis.log");
    }

    /** Stops the server (if running) and deletes its directory. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        stop();
        closed = true;
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.debug("could not delete {}", directory, e);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String defaultBinary() {
        String fromEnv = System.getenv("REDIS_SERVER");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "redis-server";
    }

    @Override
    public String toString() {
        return "RedisServer[" + HOST + ":" + port + (isRunning() ? ", running" : "") + "]";
    }

    private static final class PortClashException extends RuntimeException {
        PortClashException(String message) {
            super(message);
        }
    }

    /** Options for a {@link RedisServer}; {@link #build()} does not start it. */
    public static final class Builder {
        private String binary;
        private String password;
        private TestPki tlsPki;
        private int port;
        private boolean clusterBus;
        private final List<String> extraArgs = new ArrayList<>();
        private Duration startupTimeout = Duration.ofSeconds(20);

        private Builder() {}

        /** Path or name of the redis-server binary; default PATH or {@code $REDIS_SERVER}. */
        public Builder binary(String binary) {
            this.binary = Objects.requireNonNull(binary);
            return this;
        }

        /** Sets {@code requirepass}. */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password);
            return this;
        }

        /**
         * TLS only (the plain port is turned off) with a server certificate for 127.0.0.1 signed by
         * {@code pki}'s CA, and {@code requirepass} (a random password unless {@link #password}
         * sets one). Clients need not present a certificate.
         */
        public Builder tls(TestPki pki) {
            this.tlsPki = Objects.requireNonNull(pki);
            return this;
        }

        /** A fixed port; default 0 = a free ephemeral port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            this.port = port;
            return this;
        }

        /**
         * A Redis Cluster node: {@code --cluster-enabled yes} with a cluster bus port picked like the
         * port, and picked again with it when either was taken before redis-server bound it.
         */
        public Builder clusterNode() {
            this.clusterBus = true;
            return this;
        }

        /** More command-line arguments, e.g. {@code "--cluster-node-timeout", "5000"}. */
        public Builder args(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public RedisServer build() {
            return new RedisServer(this);
        }

        /** {@code build().start()}. */
        public RedisServer start() {
            return build().start();
        }
    }
}
