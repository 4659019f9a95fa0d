package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * resumeOnConnectionLoss against a fake server: a connection that drops with no migration under
 * way is resumed with the session's token, an outstanding command is failed and never re-sent
 * (it may have run), and without a saved state the session ends as it always did.
 */
class ConnectionLossResumeTest extends ClientTestBase {

    private FerryClient resumingClient(FakeServer service) {
        return client(ClientOptions.builder()
                .serviceAddress(service.address())
                .readAhead(true)
                .connectTimeout(Duration.ofSeconds(3))
                .resumeBackoff(Duration.ofMillis(20))
                .resumeOnConnectionLoss(true)
                .build());
    }

    @Test
    void idleSessionResumesWithItsTokenAndRunsTheNextCommandThere() {
        FakeServer a = server("a");
        FerryClient client = resumingClient(a);
        FerrySession session = client.connect();
        FakeConnection first = a.awaitConnection();
        first.expect(Frame.Hello.class);
        first.close();

        FakeConnection second = a.awaitConnection();
        Frame.Resume resume = second.expect(Frame.Resume.class);
        assertThat(resume.sessionId()).isEqualTo(first.sessionId);
        assertThat(resume.resumeToken()).isEqualTo(first.token);
        second.welcomeResumed(resume);

        ResultStream rs = session.submit("GET k");
        Frame.Command cmd = second.expect(Frame.Command.class);
        assertThat(cmd.text()).isEqualTo("GET k");
        second.send(row(cmd.requestId(), 0, "v"), done(cmd.requestId(), 1));
        assertThat(texts(rs.await().rows())).containsExactly("v");
        assertThat(session.isOpen()).isTrue();
        assertThat(client.metrics().serverLossResumes()).isEqualTo(1);
        assertThat(client.metrics().sessionsLost()).isZero();
    }

    @Test
    void outstandingCommandFailsWithServerLostAndIsNotResent() {
        FakeServer a = server("a");
        FerryClient client = resumingClient(a);
        FerrySession session = client.connect();
        FakeConnection first = a.awaitConnection();
        first.expect(Frame.Hello.class);
        ResultStream rs = session.submit("INCR k");
        first.expect(Frame.Command.class);
        first.close();

        FakeConnection second = a.awaitConnection();
        second.welcomeResumed(second.expect(Frame.Resume.class));
        assertThatThrownBy(rs::await)
                .isInstanceOf(ServerLostException.class)
                .hasMessageContaining("was lost while")
                .hasMessageContaining("INCR k")
                .hasMessageContaining("resumed on 'a'")
                .hasMessageContaining("not re-sent");

        ResultStream next = session.submit("PING");
        Frame.Command cmd = second.expect(Frame.Command.class);
        assertThat(cmd.text()).as("INCR must not run twice").isEqualTo("PING");
        second.send(row(cmd.requestId(), 0, "PONG"), done(cmd.requestId(), 1));
        assertThat(texts(next.await().rows())).containsExactly("PONG");
        assertNothingElseBeforeTheNextCommand(session, second, "INCR was re-sent after PING");
    }

    @Test
    void nothingSavedEndsTheSessionAsBefore() {
        FakeServer a = server("a");
        FerryClient client = resumingClient(a);
        FerrySession session = client.connect();
        FakeConnection first = a.awaitConnection();
        first.expect(Frame.Hello.class);
        ResultStream rs = session.submit("INCR k");
        first.expect(Frame.Command.class);
        first.close();

        FakeConnection second = a.awaitConnection();
        second.expect(Frame.Resume.class);
        second.sendAndClose(new Frame.Error(ErrorCode.SESSION_EXPIRED, 0, "no context for this session"));
        assertThatThrownBy(rs::await)
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("no migration in progress")
                .hasMessageContaining("SESSION_EXPIRED")
                .hasMessageContaining("'INCR k' may or may not have run");
        assertThatThrownBy(() -> session.execute("PING")).isInstanceOf(SessionLostException.class);
        assertThat(client.metrics().sessionsLost()).isEqualTo(1);
        assertThat(client.metrics().serverLossResumes()).isZero();
    }
}
