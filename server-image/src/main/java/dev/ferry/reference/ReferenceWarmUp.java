package dev.ferry.reference;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.ResultStream;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.WarmUp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server's warm-up ({@code FERRY_WARMUP_ITERATIONS}): each iteration is one real client session on
 * loopback, through the same code as every other session (Netty pipeline, codec, handler, context store): HELLO,
 * commands (variables, INCR, a transaction), a STREAM, then a STREAM that migrates while it runs (the server exports
 * the context to the store, the client follows MIGRATE back to this same server, which claims and imports it and
 * continues the stream), a GET checked after the move, and GOODBYE. A wrong answer fails the iteration.
 *
 * <p>Iterations run {@value #CONCURRENT_SESSIONS} at a time on the warm-up's client (one event loop).
 *
 * <p>A server with migration disabled (both timers 0) cannot move a session: its warm-up leaves the migration out.
 *
 * <p>The sessions run against a warm-up server of their own: the same SDK, handler and context store in this JVM, on
 * an ephemeral loopback port, closed when the warm-up ends. The code they run is the serving server's code (the JIT
 * compiles methods, not instances), but none of them shows in the serving server's sessions or counters, and its
 * listener never sees a connection that is not a client's. The warm-up server speaks plain TCP, so where the client
 * port speaks TLS the TLS handshake is the one path left cold.
 */
final class ReferenceWarmUp implements WarmUp.Iteration, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReferenceWarmUp.class);
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    private static final int STREAM_ROWS = 20;
    private static final int MIGRATING_STREAM_ROWS = 8;
    /**
     * Sessions at a time: each iteration is a chain of round trips, so on a busy node (a rolling upgrade's) one at a
     * time spends its time waiting; four keep the server's event loops and handler threads busy.
     */
    static final int CONCURRENT_SESSIONS = 4;

    private final FerryServer server;
    private final String address;
    private final FerryClient client;
    private final boolean migrates;

    private ReferenceWarmUp(FerryServer server) {
        this.server = server;
        this.address = loopbackAddress(server.localAddress());
        this.migrates = !server.timers().migrationDisabled();
        this.client = FerryClient.create(ClientOptions.builder()
                .serviceAddress(address)
                .clientName("ferry-warmup")
                .commandTimeout(STEP_TIMEOUT)
                .connectTimeout(Duration.ofSeconds(5))
                .build());
    }

    /**
     * The warm-up {@code config} asks for (none with {@code FERRY_WARMUP_ITERATIONS=0}). Its warm-up server starts
     * now, with {@code options} (the serving server's) on a loopback port of its own; it is among {@code toClose}.
     */
    static WarmUp forServer(ServerConfig config, ServerOptions.Builder options, List<AutoCloseable> toClose) {
        if (config.warmUpIterations() == 0) return WarmUp.none(config.serverName());
        FerryServer warmUpServer = FerryServer.start(options.serverName(config.serverName() + "-warmup")
                .bindHost(InetAddress.getLoopbackAddress().getHostAddress())
                .port(0)
                .advertisedAddress(null)
                .tls(null)
                .build());
        ReferenceWarmUp sessions;
        try {
            sessions = new ReferenceWarmUp(warmUpServer);
        } catch (RuntimeException e) {
            warmUpServer.close();
            throw e;
        }
        toClose.add(sessions);
        if (config.tls() != null)
            log.info(
                    "{}: the warm-up runs on plain TCP: the client port's TLS handshake stays cold",
                    config.serverName());
        return WarmUp.of(
                config.serverName(), config.warmUpIterations(), CONCURRENT_SESSIONS, config.warmUpAtMost(), sessions);
    }

    /** Where a client on this machine reaches the listener: loopback when it listens on every address. */
    static String loopbackAddress(InetSocketAddress listening) {
        InetAddress a = listening.getAddress();
        String host = a == null || a.isAnyLocalAddress()
                ? InetAddress.getLoopbackAddress().getHostAddress()
                : a.getHostAddress();
        if (host.indexOf(':') >= 0) host = "[" + host + "]";
        return host + ":" + listening.getPort();
    }

    @Override
    public void run(int index) throws Exception {
        try (FerrySession session = client.connect()) {
            CountDownLatch moved = new CountDownLatch(1);
            session.onMigration(event -> moved.countDown());
            expect(session, "PING", "PONG");
            expect(session, "SET warm " + index, "OK");
            expect(session, "INCR n", "1");
            expect(session, "ECHO warm-up " + index, "warm-up " + index);
            expect(session, "BEGIN", "OK");
            expect(session, "SET t " + index, "OK");
            expect(session, "COMMIT", "OK");
            long rows = session.execute("STREAM " + STREAM_ROWS).rowCount();
            if (rows != STREAM_ROWS) throw new IllegalStateException("STREAM gave " + rows + " rows");
            if (!migrates) {
                expect(session, "GET warm", Integer.toString(index));
                return;
            }
            // 1 ms between rows: the MIGRATE below usually finds the stream running, so the server pauses it,
            // exports it with its cursor and continues it after the move (an idle session moves the same way).
            ResultStream migrating = session.submit("STREAM " + MIGRATING_STREAM_ROWS + " 1");
            if (server.migrate(List.of(session.sessionId()), List.of(address)) != 1)
                throw new IllegalStateException("the server did not ask session " + session.sessionId() + " to move");
            long moving = migrating.await().rowCount();
            if (moving != MIGRATING_STREAM_ROWS)
                throw new IllegalStateException("the migrating STREAM gave " + moving + " rows");
            if (!moved.await(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                throw new IllegalStateException("session " + session.sessionId() + " did not migrate within "
                        + STEP_TIMEOUT.toSeconds() + " s");
            expect(session, "GET warm", Integer.toString(index));
            expect(session, "GET t", Integer.toString(index));
        }
    }

    private static void expect(FerrySession session, String command, String answer) {
        String got = session.execute(command).firstText();
        if (!answer.equals(got))
            throw new IllegalStateException("'" + command + "' answered '" + got + "', expected '" + answer + "'");
    }

    /** Migrations the warm-up's sessions completed (each moved out of the warm-up server and back in through the store). */
    long migrations() {
        return client.metrics().migrationsCompleted();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
