package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * State callbacks ({@link SessionHandler#onMigrateState}, {@link SessionHandler#onDisconnect}) of a
 * handler that declares them non-blocking ({@link SessionHandler#hasNonBlockingStateCallbacks}),
 * over real TCP: they run on the connection's I/O thread, in order, never under the session's lock
 * and without waiting for a running command; undeclared, they run on virtual threads as before.
 */
class NonBlockingStateCallbacksWireTest {
    private final InMemoryContextStore store = new InMemoryContextStore();
    private FerryServer source;
    private FerryServer target;

    /** One callback as the handler saw it. */
    private record Call(String what, MigrationState from, MigrationState to, Thread thread, boolean underLock) {}

    /** Records every state callback; {@code SLOW} waits for {@link #release}, any other command answers at once. */
    private static final class Recorder implements SessionHandler {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch slowStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch disconnected = new CountDownLatch(1);
        private final Boolean declared; // null: the declaration throws

        Recorder(Boolean declared) {
            this.declared = declared;
        }

        @Override
        public boolean hasNonBlockingStateCallbacks() {
            if (declared == null) throw new IllegalStateException("cannot tell");
            return declared;
        }

        @Override
        public void onCommand(Session session, Request request) throws Exception {
            if (request.command().equals("SLOW")) {
                slowStarted.countDown();
                if (!release.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                    throw new IllegalStateException("never released");
            }
            request.done();
        }

        @Override
        public void onMigrateState(Session session, MigrationState from, MigrationState to) {
            calls.add(new Call("state", from, to, Thread.currentThread(), Thread.holdsLock(session)));
        }

        @Override
        public void onDisconnect(Session session, MigrationState state) {
            calls.add(new Call("disconnect", null, state, Thread.currentThread(), Thread.holdsLock(session)));
            disconnected.countDown();
        }

        @Override
        public void onMigrateResume(Session session, Request request) {
            request.done();
        }
    }

    private Recorder startSource(Boolean declared) {
        Recorder recorder = new Recorder(declared);
        source = server("source", recorder);
        target = server("target", new CountingHandler());
        return recorder;
    }

    private FerryServer server(String name, SessionHandler handler) {
        return FerryServer.start(ServerOptions.builder()
                .serverName(name)
                .timers(MigrationTimers.ofSeconds(30, 60))
                .contextStore(store)
                .handler(handler)
                .build());
    }

    @AfterEach
    void stop() {
        if (source != null) source.close();
        if (target != null) target.close();
        store.close();
    }

    /** An idle session migrates from the source to the target; @return the source's callbacks, all of them */
    private List<Call> migrateOneIdleSession(Recorder recorder) throws InterruptedException {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            assertThat(source.migrate(1, List.of(target.advertisedAddress()))).isEqualTo(1);
            c.expect(Frame.Migrate.class);
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                assertThat(t.expect(Frame.Welcome.class).resumed()).isTrue();
                c.send(new Frame.Goodbye(GoodbyeReason.MOVED, ""));
                assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();
            }
        }
        assertThat(recorder.disconnected.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                .isTrue();
        return List.copyOf(recorder.calls);
    }

    /** Each change starts where the one before ended, from NONE; the session was exported; then the disconnect. */
    private static void assertInOrder(List<Call> calls) {
        MigrationState at = MigrationState.NONE;
        for (Call call : calls.subList(0, calls.size() - 1)) {
            assertThat(call.what()).isEqualTo("state");
            assertThat(call.from()).as("%s", calls).isEqualTo(at);
            at = call.to();
        }
        assertThat(calls.stream().map(Call::to)).contains(MigrationState.REQUESTED, MigrationState.READY);
        Call last = calls.getLast();
        assertThat(last.what()).isEqualTo("disconnect");
        // It lives on elsewhere: exported (READY), or already claimed by the target (MIGRATING).
        assertThat(last.to()).isIn(MigrationState.READY, MigrationState.MIGRATING);
        assertThat(calls).noneMatch(Call::underLock);
    }

    @Test
    void declaredCallbacksRunOnTheIoThreadInOrderAndNotUnderTheSessionsLock() throws Exception {
        Recorder recorder = startSource(true);
        List<Call> calls = migrateOneIdleSession(recorder);
        assertInOrder(calls);
        assertThat(calls).allSatisfy(call -> {
            assertThat(call.thread().isVirtual()).as("%s", call).isFalse();
            assertThat(call.thread().getName()).startsWith("ferry-io-source");
        });
    }

    @Test
    void undeclaredCallbacksRunOnVirtualThreads() throws Exception {
        Recorder recorder = startSource(false);
        List<Call> calls = migrateOneIdleSession(recorder);
        assertInOrder(calls);
        assertThat(calls)
                .allSatisfy(call -> assertThat(call.thread().isVirtual()).isTrue());
    }

    @Test
    void aDeclarationThatThrowsKeepsThemOnVirtualThreads() throws Exception {
        Recorder recorder = startSource(null);
        List<Call> calls = migrateOneIdleSession(recorder);
        assertInOrder(calls);
        assertThat(calls)
                .allSatisfy(call -> assertThat(call.thread().isVirtual()).isTrue());
    }

    @Test
    void aStateChangeIsHeardWhileACommandStillRuns() throws Exception {
        Recorder recorder = startSource(true);
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "SLOW"));
            assertThat(recorder.slowStarted.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
            source.sessions().iterator().next().requestMigration(List.of(target.advertisedAddress()));
            await().atMost(Waits.STATE)
                    .until(() -> recorder.calls.stream().anyMatch(call -> call.to() == MigrationState.REQUESTED));
            assertThat(recorder.release.getCount()).as("the command still runs").isEqualTo(1);
            recorder.release.countDown();
            assertThat(c.untilFinal(1).getLast()).isInstanceOf(Frame.Done.class);
        }
    }
}
