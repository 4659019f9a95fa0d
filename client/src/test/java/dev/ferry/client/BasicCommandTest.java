package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.Severity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BasicCommandTest extends ClientTestBase {

    @Test
    void connectsAndExecutes() {
        FakeServer a = server("a");
        FerryClient client = client(a, true);
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        Frame.Hello hello = conn.expect(Frame.Hello.class);

        assertThat(hello.version()).isEqualTo(1);
        assertThat(session.sessionId()).isEqualTo(conn.sessionId);
        assertThat(session.serverName()).isEqualTo("a");
        assertThat(session.serverAddress()).isEqualTo(a.address());

        ResultStream rs = session.submit("PING");
        Frame.Command cmd = conn.expect(Frame.Command.class);
        assertThat(cmd.text()).isEqualTo("PING");
        conn.send(
                row(cmd.requestId(), 0, "PONG"),
                new Frame.Message(cmd.requestId(), Severity.INFO, "hi"),
                done(cmd.requestId(), 1));
        Result r = rs.await();

        assertThat(texts(r.rows())).containsExactly("PONG");
        assertThat(r.messages()).containsExactly(new ServerMessage(Severity.INFO, "hi"));
        assertThat(r.rowCount()).isEqualTo(1);
        assertThat(r.cancelled()).isFalse();
        assertThat(client.metrics().sessionsOpened()).isEqualTo(1);
    }

    @Test
    void streamsRowsAsTheyArriveAndUsesFreshRequestIds() {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream rs = session.submit("STREAM 3");
        Frame.Command cmd = conn.expect(Frame.Command.class);
        conn.send(row(cmd.requestId(), 0, "0"));
        assertThat(rs.hasNext()).isTrue();
        assertThat(rs.next().text()).isEqualTo("0");
        // A DONE without FINAL ends one result set, not the request.
        conn.send(
                row(cmd.requestId(), 1, "1"),
                new Frame.Done(cmd.requestId(), 0, 2),
                row(cmd.requestId(), 2, "2"),
                done(cmd.requestId(), 3));
        List<String> rest = new ArrayList<>();
        rs.forEachRemaining(row -> rest.add(row.text()));
        assertThat(rest).containsExactly("1", "2");
        assertThat(rs.await().rowCount()).isEqualTo(3);

        ResultStream second = session.submit("PING");
        Frame.Command cmd2 = conn.expect(Frame.Command.class);
        assertThat(cmd2.requestId()).isNotEqualTo(cmd.requestId());
        conn.send(done(cmd2.requestId(), 0));
        assertThat(second.await().rows()).isEmpty();
    }

    @Test
    void failedCommandCarriesTheServersMessageAndTheSessionGoesOn() {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream rs = session.submit("BOOM");
        int id = conn.expect(Frame.Command.class).requestId();
        conn.send(
                new Frame.Message(id, Severity.ERROR, "unknown command BOOM"),
                new Frame.Done(id, DoneFlags.FINAL | DoneFlags.ERROR, 0));
        assertThatThrownBy(rs::await)
                .isInstanceOf(CommandFailedException.class)
                .hasMessageContaining("unknown command BOOM")
                .satisfies(e ->
                        assertThat(((CommandFailedException) e).serverMessage()).isEqualTo("unknown command BOOM"));

        ResultStream rs2 = session.submit("BOOM2");
        int id2 = conn.expect(Frame.Command.class).requestId();
        conn.send(new Frame.Error(ErrorCode.COMMAND_FAILED, id2, "no such key"));
        Result outcome = rs2.awaitOutcome();
        assertThat(outcome.error()).isTrue();

        ResultStream rs3 = session.submit("PING");
        int id3 = conn.expect(Frame.Command.class).requestId();
        conn.send(done(id3, 0));
        assertThat(rs3.await().error()).isFalse();
    }

    @Test
    void manyCommandsOutstandingAreWrittenAtOnceAndEndInOrder() throws Exception {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream first = session.submit("SLEEP 100");
        var second = session.executeAsync("GET k");
        int id1 = conn.expect(Frame.Command.class).requestId();
        Frame.Command c2 = conn.expect(Frame.Command.class);
        assertThat(c2.text()).isEqualTo("GET k");
        assertThat(c2.requestId()).as("ids increase in request order").isGreaterThan(id1);
        assertThat(second).isNotDone();

        conn.send(done(id1, 0), row(c2.requestId(), 0, "v"), done(c2.requestId(), 1));
        assertThat(first.await().rowCount()).isZero();
        assertThat(second.get(10, java.util.concurrent.TimeUnit.SECONDS).firstText())
                .isEqualTo("v");
    }

    @Test
    void executeAllReturnsResultsInOrderAndAFailedCommandDoesNotStopTheOthers() throws Exception {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        var all = session.executeAllAsync(List.of("A", "B", "C"));
        List<Frame.Command> cmds = List.of(
                conn.expect(Frame.Command.class), conn.expect(Frame.Command.class), conn.expect(Frame.Command.class));
        assertThat(cmds).extracting(Frame.Command::text).containsExactly("A", "B", "C");
        conn.send(
                row(cmds.get(0).requestId(), 0, "a"),
                done(cmds.get(0).requestId(), 1),
                new Frame.Message(cmds.get(1).requestId(), Severity.ERROR, "no B"),
                new Frame.Done(cmds.get(1).requestId(), DoneFlags.FINAL | DoneFlags.ERROR, 0),
                row(cmds.get(2).requestId(), 0, "c"),
                done(cmds.get(2).requestId(), 1));
        List<Result> results = all.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(results).extracting(Result::error).containsExactly(false, true, false);
        assertThat(results.get(0).firstText()).isEqualTo("a");
        assertThat(results.get(2).firstText()).isEqualTo("c");
    }

    @Test
    void executeAllWaitsForEveryCommandAndKeepsEachOnesRows() throws Exception {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        var caller = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try (caller) {
            var results = caller.submit(() -> session.executeAll(List.of("STREAM 2", "GET k")));
            int id1 = conn.expect(Frame.Command.class).requestId();
            int id2 = conn.expect(Frame.Command.class).requestId();
            conn.send(row(id1, 0, "r0"), row(id1, 1, "r1"), done(id1, 2), row(id2, 0, "v"), done(id2, 1));
            List<Result> r = results.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(texts(r.get(0).rows())).containsExactly("r0", "r1");
            assertThat(texts(r.get(1).rows())).containsExactly("v");
        }
    }

    @Test
    void aSubmitBeyondMaxOutstandingWaitsForRoomThenFailsClearly() {
        FakeServer a = server("a");
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .maxOutstanding(2)
                .commandTimeout(java.time.Duration.ofSeconds(2))
                .build());
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream first = session.submit("ONE");
        session.submit("TWO");
        assertThatThrownBy(() -> session.submit("THREE"))
                .isInstanceOf(CommandTimeoutException.class)
                .hasMessageContaining("maxOutstanding");
        int id1 = conn.expect(Frame.Command.class).requestId();
        int id2 = conn.expect(Frame.Command.class).requestId();
        assertThat(conn.poll()).as("nothing was sent for THREE").isNull();

        conn.send(done(id1, 0));
        org.awaitility.Awaitility.await().atMost(dev.ferry.testkit.Waits.STATE).until(first::isDone);
        ResultStream fourth = session.submit("FOUR"); // the first ended: there is room again
        Frame.Command c4 = conn.expect(Frame.Command.class);
        assertThat(c4.text()).isEqualTo("FOUR");
        conn.send(done(id2, 0), done(c4.requestId(), 0));
        assertThat(fourth.awaitOutcome().error()).isFalse();
    }

    @Test
    void closeSendsGoodbyeClose() {
        FakeServer a = server("a");
        FerryClient client = client(a, true);
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        session.close();
        Frame.Goodbye bye = conn.expect(Frame.Goodbye.class);
        assertThat(bye.reason()).isEqualTo(GoodbyeReason.CLOSE);
        conn.awaitClosed();
        assertThat(client.openSessions()).isZero();
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(FerryException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void connectFailsClearlyWhenNothingListens() {
        String dead = FakeServer.deadAddress();
        FerryClient client = client(ClientOptions.builder().serviceAddress(dead).build());
        assertThatThrownBy(client::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining(dead);
    }

    @Test
    void connectRetriesAServerThatIsNotServing() throws Exception {
        FakeServer a = server("a");
        a.autoWelcome = false;
        FerryClient client = client(a, true);
        Thread t = Thread.ofVirtual().start(() -> {
            FakeConnection first = a.awaitConnection();
            first.expect(Frame.Hello.class);
            first.sendAndClose(new Frame.Error(ErrorCode.NOT_SERVING, 0, "draining"));
            FakeConnection second = a.awaitConnection();
            second.expect(Frame.Hello.class);
            second.send(FakeServer.welcome(new dev.ferry.protocol.SessionId(1, 2), "a", false));
        });
        FerrySession session = client.connect();
        assertThat(session.sessionId()).isEqualTo(new dev.ferry.protocol.SessionId(1, 2));
        assertThat(t.join(java.time.Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void connectReportsARefusal() throws Exception {
        FakeServer a = server("a");
        a.autoWelcome = false;
        FerryClient client = client(a, true);
        Thread t = Thread.ofVirtual().start(() -> {
            FakeConnection c = a.awaitConnection();
            c.expect(Frame.Hello.class);
            c.sendAndClose(new Frame.Error(ErrorCode.UNSUPPORTED_VERSION, 0, "I speak 2"));
        });
        assertThatThrownBy(client::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("UNSUPPORTED_VERSION")
                .hasMessageContaining("I speak 2");
        assertThat(t.join(java.time.Duration.ofSeconds(5))).isTrue();
    }
}
