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
    void oneCommandAtATime() {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream first = session.submit("SLEEP 100");
        assertThatThrownBy(() -> session.submit("PING"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still outstanding");
        int id = conn.expect(Frame.Command.class).requestId();
        conn.send(done(id, 0));
        first.await();
        ResultStream second = session.submit("PING");
        conn.send(done(conn.expect(Frame.Command.class).requestId(), 0));
        second.await();
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
