package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.HostileServer.Act;
import dev.ferry.testkit.NettyLeaks;
import dev.ferry.testkit.Waits;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The client against servers that send valid frames in hostile orders ({@link HostileServer}):
 * migrations to addresses that refuse connections, migration loops between two servers, resumes
 * refused with SESSION_EXPIRED or ALREADY_CLAIMED, DONE and rows for requests never sent,
 * duplicate DONEs, results after DONE, WELCOME twice, a server that closes mid-result or never
 * answers. For every script:
 * <ul>
 *   <li>every user call returns within a bound (no hang): a result, or a {@link FerryException}
 *       subclass with a message;</li>
 *   <li>a result is the one of its own command (the server echoes the command text);</li>
 *   <li>connection attempts are bounded by the script (resume attempts × paths per migration),
 *       and none are made once the client is closed (no reconnect loop);</li>
 *   <li>no ByteBuf leaks (paranoid detector, checked once at the end).</li>
 * </ul>
 */
class HostileServerPropertiesTest {
    /** Far above any timeout of the client below: reaching it means a call hung. */
    private static final Duration CALL_BOUND = Duration.ofSeconds(20);

    private static final int RESUME_ATTEMPTS = 2;
    /** Per migration: each pass tries the MIGRATE's targets (at most 2 here) and the service address. */
    private static final int CONNECTIONS_PER_MIGRATION = RESUME_ATTEMPTS * 3;

    private static EventLoopGroup group;
    private static ExecutorService callers;
    private static final AtomicInteger TYPED_FAILURES = new AtomicInteger();
    private static final AtomicInteger RESULTS = new AtomicInteger();

    @BeforeContainer
    static void start() {
        NettyLeaks.install();
        group = new NioEventLoopGroup(1);
        callers = Executors.newCachedThreadPool();
    }

    @AfterContainer
    static void stop() {
        callers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        System.out.printf("hostile servers: %d results, %d typed failures%n", RESULTS.get(), TYPED_FAILURES.get());
        assertThat(RESULTS.get()).as("scripts that still deliver results").isPositive();
        assertThat(TYPED_FAILURES.get())
                .as("scripts that end in a typed failure")
                .isPositive();
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
    }

    @Provide
    Arbitrary<List<Act>> scripts() {
        return Arbitraries.of(Act.class).list().ofMaxSize(8);
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void everyCallEndsWithItsOwnResultOrATypedFailure(
            @ForAll("scripts") List<Act> script, @ForAll @IntRange(min = 1, max = 4) int commands) throws Exception {
        Queue<Act> queue = new ConcurrentLinkedQueue<>(script);
        AtomicInteger migrationIds = new AtomicInteger();
        List<String> nowhere = List.of(FakeServer.deadAddress(), FakeServer.deadAddress());
        HostileServer[] servers = new HostileServer[2];
        servers[0] = new HostileServer(group, queue, () -> servers[1].address(), nowhere, migrationIds);
        servers[1] = new HostileServer(group, queue, () -> servers[0].address(), nowhere, migrationIds);
        FerryClient client = FerryClient.create(ClientOptions.builder()
                .serviceAddress(servers[0].address())
                .connectTimeout(Duration.ofMillis(500))
                .commandTimeout(Duration.ofMillis(500))
                .resumeAttempts(RESUME_ATTEMPTS)
                .resumeBackoff(Duration.ofMillis(10))
                .build());
        try {
            try {
                Outcome<FerrySession> opened = call(client::connect);
                if (opened.value != null) {
                    FerrySession session = opened.value;
                    for (int i = 0; i < commands; i++) {
                        String text = "ECHO " + i + " " + Long.toHexString(FakeServer.RANDOM.nextLong());
                        Outcome<Result> r = call(() -> session.execute(text));
                        if (r.value != null) {
                            RESULTS.incrementAndGet();
                            assertThat(r.value.rows())
                                    .as("result of '%s'", text)
                                    .extracting(Row::text)
                                    .containsExactly(text);
                        }
                    }
                    call(() -> {
                        session.close();
                        return null;
                    });
                }
            } finally {
                call(() -> {
                    client.close();
                    return null;
                });
            }
            int connections = connections(servers);
            assertThat(connections)
                    .as("connections for a script of %d acts", script.size())
                    .isLessThanOrEqualTo(1 + CONNECTIONS_PER_MIGRATION * script.size());
            // A closed client makes no further attempts: the listeners stay open through the window, so
            // an attempt would be counted ...
            await().during(Duration.ofMillis(200)).atMost(Waits.STATE).until(() -> connections(servers) == connections);
            // ... as a probe connection to each listener, made now, is: the window could see connections.
            for (HostileServer s : servers) probe(s);
            await().atMost(Waits.STATE).until(() -> connections(servers) == connections + servers.length);
        } finally {
            for (HostileServer s : servers) s.close();
        }
    }

    private static int connections(HostileServer[] servers) {
        int n = 0;
        for (HostileServer s : servers) n += s.connections.get();
        return n;
    }

    /** Connects to a listener and leaves at once, sending nothing (so no act of the script is used). */
    private static void probe(HostileServer server) throws IOException {
        String[] hp = server.address().split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), (int) CALL_BOUND.toMillis());
        }
    }

    /** A value, or the typed failure the call ended with; anything else, or no end within the bound, fails. */
    private record Outcome<T>(T value, FerryException failure) {}

    private static <T> Outcome<T> call(Callable<T> call) throws InterruptedException {
        Future<T> f = callers.submit(call);
        try {
            return new Outcome<>(f.get(CALL_BOUND.toMillis(), TimeUnit.MILLISECONDS), null);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("a client call did not end within " + CALL_BOUND);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            assertThat(t).as("the failure of a client call").isInstanceOf(FerryException.class);
            assertThat(t.getMessage()).as("the message of %s", t).isNotBlank();
            TYPED_FAILURES.incrementAndGet();
            return new Outcome<>(null, (FerryException) t);
        }
    }
}
