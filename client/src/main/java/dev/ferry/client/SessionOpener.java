package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the session: connects to the service address, sends HELLO and waits for a fresh WELCOME,
 * all within {@link ClientOptions#connectTimeout()}. Anything else ends the opening with a
 * {@link ConnectFailedException}.
 *
 * <p>{@link #expectOpened()} runs on the caller's thread before the engine hops onto the event
 * loop; everything else runs on the loop, like the rest of {@link SessionEngine}.
 */
final class SessionOpener {
    private static final Logger log = LoggerFactory.getLogger(SessionOpener.class);

    private final SessionState state;
    private final CommandQueue commands;
    private final ClientOptions options;
    private final ClientMetrics metrics;
    private final EventLoop loop;
    private final Bootstrap bootstrap;

    /** Set by the caller before the loop sees it; published by the loop hand-off. */
    private CompletableFuture<Void> opened;

    private ScheduledFuture<?> handshakeTimer;

    SessionOpener(
            SessionState state,
            CommandQueue commands,
            ClientOptions options,
            ClientMetrics metrics,
            EventLoop loop,
            Bootstrap bootstrap) {
        this.state = state;
        this.commands = commands;
        this.options = options;
        this.metrics = metrics;
        this.loop = loop;
        this.bootstrap = bootstrap;
    }

    /** The future that completes at WELCOME. Called once, on the caller's thread, before {@link #connect}. */
    CompletableFuture<Void> expectOpened() {
        opened = new CompletableFuture<>();
        return opened;
    }

    void connect() {
        HostPort service = options.serviceHostPort();
        state.serverAddress = service.toString();
        ChannelFuture cf = bootstrap.connect(service.host(), service.port());
        state.channel = cf.channel();
        handshakeTimer = loop.schedule(
                () -> fail(null, "no WELCOME from " + service + " within " + options.connectTimeout(), null),
                options.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                fail(null, "cannot connect to " + service + ": " + f.cause(), f.cause());
            } else if (state.phase == Phase.CONNECTING) {
                f.channel().writeAndFlush(new Frame.Hello(ProtocolVersion.CURRENT, options.clientName()));
            }
        });
    }

    /** A frame on the session's connection before WELCOME. */
    void onFrame(Frame f) {
        switch (f) {
            case Frame.Welcome w
            when !w.resumed() -> {
                cancelTimer();
                state.sessionId = w.sessionId();
                state.token = w.resumeToken();
                state.serverName = w.serverName();
                state.phase = Phase.OPEN;
                metrics.sessionOpened();
                commands.updateAutoRead(state.channel);
                log.debug("session {} opened on {} ({})", state.sessionId, state.serverName, state.serverAddress);
                opened.complete(null);
            }
            case Frame.Error e ->
                fail(e.code(), state.serverAddress + " refused the session: " + e.code() + ": " + e.text(), null);
            case Frame.Goodbye g -> state.lastGoodbye = g;
            default -> fail(null, state.serverAddress + " sent " + f.type() + " before WELCOME", null);
        }
    }

    /** The connection closed before WELCOME. */
    void onConnectionClosed() {
        fail(
                state.lastError == null ? null : state.lastError.code(),
                "connection to " + state.serverAddress + " closed before WELCOME" + state.closeDetail(),
                state.lastCause);
    }

    private void fail(ErrorCode code, String message, Throwable cause) {
        if (state.phase != Phase.CONNECTING) return;
        cancelTimer();
        state.phase = Phase.FAILED;
        ConnectFailedException e = new ConnectFailedException(code, message, cause);
        state.failure = e;
        if (state.channel != null) state.channel.close();
        opened.completeExceptionally(e);
    }

    void cancelTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }

    /** The session was closed: a caller still waiting for WELCOME gets a failure. */
    void abandon() {
        if (opened != null && !opened.isDone())
            opened.completeExceptionally(new ConnectFailedException(null, "closed while connecting", null));
    }
}
