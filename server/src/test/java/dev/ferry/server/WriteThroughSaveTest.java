package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Write-through on an embedded server with an in-memory store, seen from the wire: the context is
 * saved when the session starts and before each final DONE, stays when the connection drops, goes
 * when the client says GOODBYE(CLOSE), and a save that finds the session claimed by another
 * server ends this server's copy.
 */
class WriteThroughSaveTest {
    private final InMemoryContextStore store = new InMemoryContextStore();
    private FerryServer server;

    @BeforeEach
    void start() {
        server = FerryServer.start(ServerOptions.builder()
                .serverName("wt")
                .contextStore(store)
                .handler(new CountingHandler())
                .writeThrough(true)
                .build());
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private static List<Frame> run(WireClient c, int requestId, String command) {
        c.send(new Frame.Command(requestId, command));
        return c.untilFinal(requestId);
    }

    @Test
    void savedAtStartAndBeforeEveryDoneAndKeptWhenTheConnectionDrops() {
        assertThat(server.writeThrough()).isTrue();
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            await().atMost(Waits.STATE).until(() -> store.recordCount() == 1);
            long before = server.metrics().contextSaveAttempts();
            run(c, 1, "SET a");
            // The save ran before the DONE the client just read.
            assertThat(server.metrics().contextSaveAttempts()).isGreaterThan(before);
            assertThat(server.metrics().contextSaveFailures()).isZero();
        }
        await().atMost(Waits.STATE).until(() -> server.sessionCount() == 0);
        assertThat(store.recordCount())
                .as("a dropped connection keeps the saved context")
                .isEqualTo(1);
    }

    @Test
    void aCleanGoodbyeDeletesTheSavedContext() {
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            run(c, 1, "SET a");
            assertThat(store.recordCount()).isEqualTo(1);
            c.send(new Frame.Goodbye(GoodbyeReason.CLOSE, "bye"));
            await().atMost(Waits.STATE).until(() -> store.recordCount() == 0);
        }
    }

    @Test
    void aSaveThatFindsTheSessionClaimedElsewhereEndsThisCopy() {
        try (WireClient c = WireClient.connect(server.localAddress())) {
            Frame.Welcome w = c.hello();
            run(c, 1, "SET a");
            // Another server resumed the session (the client came back there after a blip).
            ClaimResult claimed = store.claim(
                            w.sessionId(), w.resumeToken().sha256(), "other-server", Duration.ofSeconds(30))
                    .join();
            assertThat(claimed).isInstanceOf(ClaimResult.Claimed.class);

            c.send(new Frame.Command(2, "SET b"));
            Frame f = c.next();
            while (!(f instanceof Frame.Goodbye)) {
                assertThat(f instanceof Frame.Done d && d.isFinal())
                        .as("no final DONE for a command whose save was refused: " + f)
                        .isFalse();
                f = c.next();
            }
            Frame.Goodbye bye = (Frame.Goodbye) f;
            assertThat(bye.reason()).isEqualTo(GoodbyeReason.MOVED);
            assertThat(bye.text()).contains("another server");
            assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
            assertThat(server.metrics().contextSavesRefused()).isEqualTo(1);
        }
    }

    @Test
    void withTheStoreDownCommandsStillCompleteAndTheFailedSavesAreCounted() {
        SaveFailingStore failing = new SaveFailingStore();
        try (FerryServer other = FerryServer.start(ServerOptions.builder()
                        .serverName("wt-down")
                        .contextStore(failing)
                        .handler(new CountingHandler())
                        .writeThrough(true)
                        .build());
                WireClient c = WireClient.connect(other.localAddress())) {
            c.hello();
            await().atMost(Waits.STATE).until(() -> failing.recordCount() == 1);
            failing.down = true;
            List<Frame> frames = run(c, 1, "SET a");
            assertThat(frames).anySatisfy(f -> assertThat(f).isInstanceOf(Frame.Row.class));
            assertThat(other.metrics().contextSaveFailures()).isEqualTo(1);
            failing.down = false;
            run(c, 2, "GET");
            assertThat(other.metrics().contextSaveFailures())
                    .as("the next good save makes it crash-safe again")
                    .isEqualTo(1);
        } finally {
            failing.close();
        }
    }

    /** Holds every claim confirmation until released, and counts write-through saves. */
    private static final class GatedConfirmStore extends dev.ferry.store.ForwardingContextStore {
        final java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
        final java.util.concurrent.atomic.AtomicInteger confirmsAsked = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();

        GatedConfirmStore(dev.ferry.store.ContextStore delegate) {
            super(delegate);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> confirm(
                dev.ferry.protocol.SessionId id, String claimant, Duration tombstoneTtl) {
            confirmsAsked.incrementAndGet();
            return release.thenCompose(ignored -> delegate.confirm(id, claimant, tombstoneTtl));
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> save(
                dev.ferry.protocol.SessionId id,
                dev.ferry.store.ExportedContext context,
                String owner,
                List<String> ownClaimants,
                Duration ttl) {
            saves.incrementAndGet();
            return delegate.save(id, context, owner, ownClaimants, ttl);
        }

        @Override
        public void close() {} // the shared in-memory store is closed by the test
    }

    @Test
    void aResumedIdleSessionIsSavedOnlyOnceItsClaimIsConfirmed() {
        GatedConfirmStore gated = new GatedConfirmStore(store);
        try (FerryServer target = FerryServer.start(ServerOptions.builder()
                        .serverName("wt-target")
                        .contextStore(gated)
                        .handler(new CountingHandler())
                        .writeThrough(true)
                        .build());
                WireClient c = WireClient.connect(server.localAddress())) {
            Frame.Welcome w = c.hello();
            run(c, 1, "SET a");
            server.migrate(1, List.of(target.advertisedAddress()));
            c.expect(Frame.Migrate.class);
            try (WireClient moved = WireClient.connect(target.localAddress())) {
                moved.send(new Frame.Resume(
                        dev.ferry.protocol.ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                assertThat(moved.expect(Frame.Welcome.class).resumed()).isTrue();
                await().atMost(Waits.STATE).until(() -> gated.confirmsAsked.get() == 1);

                // Unconfirmed: nothing saved, and the old token could still take the session over after the deadline.
                assertThat(gated.saves.get()).isZero();
                assertThat(store.claim(
                                        w.sessionId(),
                                        w.resumeToken().sha256(),
                                        "probe",
                                        Duration.ofSeconds(30),
                                        Duration.ofSeconds(5))
                                .join())
                        .isInstanceOf(ClaimResult.Unconfirmed.class);

                gated.release.complete(null);
                await().atMost(Waits.STATE).until(() -> target.metrics().contextSaveAttempts() == 1);
                assertThat(gated.saves.get()).isEqualTo(1);
                // Saved under the new token: the old one opens nothing now.
                assertThat(store.claim(w.sessionId(), w.resumeToken().sha256(), "probe", Duration.ofSeconds(30))
                                .join())
                        .isInstanceOf(ClaimResult.BadToken.class);
            }
        }
    }
}
