package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.Frame;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AttentionTest extends ClientTestBase {

    private record Open(FerryClient client, FerrySession session, FakeConnection conn) {}

    private Open open(FakeServer a) {
        FerryClient client = client(a, true);
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);
        return new Open(client, session, conn);
    }

    @Test
    void cancelSendsAttentionAndEndsWithTheAttentionDone() {
        FakeServer a = server("a");
        Open o = open(a);
        ResultStream rs = o.session.submit("STREAM 100 10");
        int id = o.conn.expect(Frame.Command.class).requestId();
        o.conn.send(row(id, 0, "0"));
        assertThat(rs.next().text()).isEqualTo("0");

        rs.cancel();
        assertThat(o.conn.expect(Frame.Attention.class).requestId()).isEqualTo(id);
        // Rows sent before the server saw the attention are still delivered.
        o.conn.send(row(id, 1, "1"), attentionDone(id, 2));
        Result r = rs.await();
        assertThat(texts(r.rows())).containsExactly("1");
        assertThat(r.cancelled()).isTrue();
        assertThat(rs.cancelled()).isTrue();
    }

    @Test
    void aCommandSubmittedAfterACancelIsPipelinedBehindTheCancelledOne() {
        FakeServer a = server("a");
        Open o = open(a);
        ResultStream rs = o.session.submit("SLEEP 10000");
        int id = o.conn.expect(Frame.Command.class).requestId();
        rs.cancel();
        o.conn.expect(Frame.Attention.class);
        ResultStream next = o.session.submit("PING"); // no wait for the DONE(ATTENTION): the server queues it
        int id2 = o.conn.expect(Frame.Command.class).requestId();
        assertThat(rs.isDone()).isFalse();
        o.conn.send(attentionDone(id, 0), done(id2, 0));
        assertThat(rs.await().cancelled()).isTrue();
        assertThat(next.await().cancelled()).isFalse();
    }

    @Test
    void cancelBeforeTheMoveGoesIntoTheResume() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        Open o = open(a);
        ResultStream rs = o.session.submit("STREAM 100");
        int id = o.conn.expect(Frame.Command.class).requestId();
        o.conn.send(row(id, 0, "0"));
        rs.cancel();
        o.conn.expect(Frame.Attention.class);
        // The source reached a checkpoint before it saw the attention: it migrates the request and
        // ignores the attention for a request it no longer owns.
        o.conn.send(migrate(11, id, 60_000, b.address()));

        FakeConnection target = b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);
        assertThat(resume.attentionRequestId()).isEqualTo(id);
        target.welcomeResumed(resume);
        target.send(attentionDone(id, 1));

        Result r = rs.await();
        assertThat(r.cancelled()).isTrue();
        assertThat(o.session.migrations()).isEqualTo(1);
        assertNothingElseBeforeTheNextCommand(
                o.session, target, "the RESUME carried the attention; nothing else is sent");
    }

    @Test
    void cancelWhileMovingIsSentToTheTargetAfterWelcome() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        Open o = open(a);
        ResultStream rs = o.session.submit("STREAM 100");
        int id = o.conn.expect(Frame.Command.class).requestId();
        o.conn.send(row(id, 0, "0"), migrate(12, id, 60_000, b.address()));

        FakeConnection target = b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);
        assertThat(resume.attentionRequestId()).isZero();
        rs.cancel(); // the RESUME is already out
        target.welcomeResumed(resume);
        assertThat(target.expect(Frame.Attention.class).requestId()).isEqualTo(id);
        target.send(row(id, 1, "1"), attentionDone(id, 2));

        Result r = rs.await();
        assertThat(r.cancelled()).isTrue();
        assertThat(r.rows()).extracting(Row::seq).containsExactly(0L, 1L);
    }

    @Test
    void cancellingADeferredCommandWhileMovingEndsItWithoutResending() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        Open o = open(a);
        ResultStream rs = o.session.submit("INCR k");
        int id = o.conn.expect(Frame.Command.class).requestId();
        o.conn.send(migrate(13, 0, 60_000, b.address()), new Frame.Deferred(id));
        FakeConnection target = b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);

        rs.cancel();
        assertThat(rs.await().cancelled()).isTrue(); // no server runs it, so no server answers it
        target.welcomeResumed(resume);

        ResultStream next = o.session.submit("PING");
        Frame.Command cmd = target.expect(Frame.Command.class);
        assertThat(cmd.text()).as("the cancelled INCR was not re-sent").isEqualTo("PING");
        target.send(done(cmd.requestId(), 0));
        next.await();
    }

    @Test
    void commandTimeoutCancelsTheCommand() {
        FakeServer a = server("a");
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .commandTimeout(Duration.ofMillis(200))
                .build());
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);
        ResultStream rs = session.submit("SLEEP 5000");
        int id = conn.expect(Frame.Command.class).requestId();
        assertThatThrownBy(rs::await)
                .isInstanceOf(CommandTimeoutException.class)
                .hasMessageContaining("SLEEP 5000");
        assertThat(conn.expect(Frame.Attention.class).requestId()).isEqualTo(id);
        conn.send(attentionDone(id, 0));
    }
}
