package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import io.netty.channel.Channel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One accepted connection of a {@link FakeServer}: what the client sent, and a way to answer. */
final class FakeConnection {
    private final FakeServer server;
    final Channel channel;
    private final BlockingQueue<Frame> inbox = new LinkedBlockingQueue<>();
    volatile SessionId sessionId;
    volatile ResumeToken token;

    FakeConnection(FakeServer server, Channel channel) {
        this.server = server;
        this.channel = channel;
    }

    /** Runs on the server's event loop. */
    void received(Frame f) {
        if (f instanceof Frame.Hello && server.autoWelcome) {
            Frame.Welcome w = FakeServer.welcome(
                    new SessionId(FakeServer.RANDOM.nextLong(), FakeServer.RANDOM.nextLong()), server.name, false);
            sessionId = w.sessionId();
            token = w.resumeToken();
            channel.writeAndFlush(w);
        } else if (f instanceof Frame.Resume r && server.autoResume) {
            Frame.Welcome w = FakeServer.welcome(r.sessionId(), server.name, true);
            sessionId = w.sessionId();
            token = w.resumeToken();
            channel.writeAndFlush(w);
        }
        inbox.add(f);
    }

    <T extends Frame> T expect(Class<T> type) {
        Frame f = next();
        assertThat(f).as(server.name + " expected a " + type.getSimpleName()).isInstanceOf(type);
        return type.cast(f);
    }

    Frame next() {
        try {
            Frame f = inbox.poll(FakeServer.WAIT_SECONDS, TimeUnit.SECONDS);
            if (f == null)
                throw new AssertionError(server.name + ": no frame within " + FakeServer.WAIT_SECONDS + " s");
            return f;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Frames received so far and not taken. */
    Frame poll() {
        return inbox.poll();
    }

    FakeConnection send(Frame... frames) {
        for (Frame f : frames) channel.write(f);
        channel.flush();
        return this;
    }

    /** Answers a RESUME with WELCOME(resumed) and a new token. */
    FakeConnection welcomeResumed(Frame.Resume resume) {
        Frame.Welcome w = FakeServer.welcome(resume.sessionId(), server.name, true);
        sessionId = w.sessionId();
        token = w.resumeToken();
        return send(w);
    }

    void close() {
        channel.close().syncUninterruptibly();
    }

    void sendAndClose(Frame... frames) {
        send(frames);
        close();
    }

    void awaitClosed() {
        assertThat(channel.closeFuture().awaitUninterruptibly(FakeServer.WAIT_SECONDS * 1000))
                .as(server.name + ": connection should close")
                .isTrue();
    }
}
