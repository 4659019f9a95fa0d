package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Starts fake servers and clients for a test and closes all of them afterwards. */
abstract class ClientTestBase {
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    FakeServer server(String name) {
        FakeServer s = FakeServer.start(name);
        toClose.push(s);
        return s;
    }

    FerryClient client(FakeServer service, boolean readAhead) {
        return client(ClientOptions.builder()
                .serviceAddress(service.address())
                .readAhead(readAhead)
                .connectTimeout(Duration.ofSeconds(3))
                .resumeBackoff(Duration.ofMillis(20))
                .build());
    }

    FerryClient client(ClientOptions options) {
        FerryClient c = FerryClient.create(options);
        toClose.push(c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) toClose.pop().close();
    }

    static Frame.Row row(int requestId, long seq, String text) {
        return new Frame.Row(requestId, seq, text.getBytes(StandardCharsets.UTF_8));
    }

    static Frame.Done done(int requestId, long rows) {
        return new Frame.Done(requestId, DoneFlags.FINAL, rows);
    }

    static Frame.Done attentionDone(int requestId, long rows) {
        return new Frame.Done(requestId, DoneFlags.FINAL | DoneFlags.ATTENTION, rows);
    }

    static Frame.Migrate migrate(int migrationId, int inBatch, long deadlineMillis, String... targets) {
        return new Frame.Migrate(migrationId, inBatch, deadlineMillis, List.of(targets));
    }

    static Frame.Goodbye goodbye(GoodbyeReason reason) {
        return new Frame.Goodbye(reason, reason.name().toLowerCase());
    }

    static List<String> texts(List<Row> rows) {
        return rows.stream().map(Row::text).toList();
    }

    /**
     * Shows that the client sent nothing more on {@code conn}: the session sends one more command,
     * which must be the next frame there (one connection delivers in order). An empty inbox alone
     * proves nothing — a frame could still be on its way.
     */
    static void assertNothingElseBeforeTheNextCommand(FerrySession session, FakeConnection conn, String what) {
        ResultStream marker = session.submit("MARKER");
        Frame next = conn.next();
        assertThat(next)
                .as(what + " (the next frame should have been the MARKER command)")
                .isInstanceOfSatisfying(
                        Frame.Command.class, c -> assertThat(c.text()).isEqualTo("MARKER"));
        conn.send(done(((Frame.Command) next).requestId(), 0));
        marker.await();
    }
}
