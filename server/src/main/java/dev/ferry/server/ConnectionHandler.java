package dev.ferry.server;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.ExportedContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The business end of a server connection: the handshake (HELLO or RESUME), then frames of an
 * open session. Runs on the event loop and never blocks it: store round trips complete
 * asynchronously and hop back onto the loop.
 */
final class ConnectionHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private enum Phase {
        HANDSHAKE,
        RESUMING,
        OPEN,
        CLOSING
    }

    /** How long a connection closed for an error waits for the client to read the ERROR and close. */
    private static final long LINGER_MILLIS = 2_000;

    private final ServerRuntime rt;
    private Phase phase = Phase.HANDSHAKE;
    private ServerSession session;
    private ScheduledFuture<?> handshakeTimer;

    ConnectionHandler(ServerRuntime rt) {
        this.rt = rt;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor()
                .schedule(
                        () -> {
                            if (phase == Phase.HANDSHAKE) {
                                fatal(
                                        ctx,
                                        ErrorCode.HANDSHAKE_TIMEOUT,
                                        "no HELLO or RESUME within "
                                                + rt.options.handshakeTimeout().toMillis() + " ms");
                            }
                        },
                        rt.options.handshakeTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        switch (phase) {
            case HANDSHAKE -> {
                switch (frame) {
                    case Frame.Hello hello -> hello(ctx, hello);
                    case Frame.Resume resume -> resume(ctx, resume);
                    default ->
                        fatal(
                                ctx,
                                ErrorCode.PROTOCOL_ERROR,
                                "the first frame must be HELLO or RESUME, got " + frame.type());
                }
            }
            case RESUMING ->
                fatal(ctx, ErrorCode.PROTOCOL_ERROR, frame.type() + " sent before the WELCOME that answers RESUME");
            case OPEN -> {
                switch (frame) {
                    case Frame.Command command -> {
                        if (!session.onCommand(command)) {
                            fatal(
                                    ctx,
                                    ErrorCode.PROTOCOL_ERROR,
                                    "request id " + Integer.toUnsignedString(command.requestId())
                                            + " is already in use");
                        }
                    }
                    case Frame.Attention attention -> session.onAttention(attention.requestId());
                    case Frame.Goodbye goodbye -> {
                        phase = Phase.CLOSING;
                        session.onGoodbye(goodbye);
                    }
                    case Frame.Hello h ->
                        fatal(ctx, ErrorCode.PROTOCOL_ERROR, "HELLO on a connection whose session is open");
                    case Frame.Resume r ->
                        fatal(ctx, ErrorCode.PROTOCOL_ERROR, "RESUME on a connection whose session is open");
                    default -> fatal(ctx, ErrorCode.PROTOCOL_ERROR, frame.type() + " is a server-to-client frame");
                }
            }
            case CLOSING -> {} // after GOODBYE nothing more is read
        }
    }

    private void hello(ChannelHandlerContext ctx, Frame.Hello hello) {
        if (!admit(ctx, hello.version())) return;
        SessionId id = SessionId.random(rt.random);
        ResumeToken token = ResumeToken.random(rt.random);
        session = new ServerSession(rt, ctx.channel(), id, token.sha256(), new SessionContext(), false);
        rt.sessions.put(id, session);
        phase = Phase.OPEN;
        rt.metrics.sessionsOpened.increment();
        ctx.writeAndFlush(new Frame.Welcome(ProtocolVersion.CURRENT, id, token, rt.name(), false));
        session.start();
    }

    private void resume(ChannelHandlerContext ctx, Frame.Resume resume) {
        if (!admit(ctx, resume.version())) return;
        phase = Phase.RESUMING;
        byte[] presentedHash = resume.resumeToken().sha256();
        long started = System.nanoTime();
        rt.store
                .claim(
                        resume.sessionId(),
                        presentedHash,
                        rt.name(),
                        rt.tombstoneTtl(),
                        rt.options.claimConfirmTimeout())
                .orTimeout(rt.options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> ctx.executor().execute(() -> {
                    rt.metrics.claimTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    claimed(ctx, resume, presentedHash, result, error);
                }));
    }

    private void claimed(
            ChannelHandlerContext ctx, Frame.Resume resume, byte[] tokenHash, ClaimResult result, Throwable error) {
        SessionId id = resume.sessionId();
        if (error != null) {
            refuse(
                    ctx,
                    ErrorCode.STORE_UNAVAILABLE,
                    "cannot reach the context store to resume session " + id + ": " + rootMessage(error));
            return;
        }
        switch (result) {
            case ClaimResult.Expired e ->
                refuse(
                        ctx,
                        ErrorCode.SESSION_EXPIRED,
                        "session " + id + " has expired or does not exist: its context is no longer in the store");
            case ClaimResult.BadToken b ->
                refuse(ctx, ErrorCode.BAD_TOKEN, "the resume token does not match session " + id);
            case ClaimResult.AlreadyClaimed c
            when c.claimant().endsWith(ServerRuntime.CANCEL_CLAIM_SUFFIX) ->
                refuse(
                        ctx,
                        ErrorCode.MIGRATION_CANCELLED,
                        "the migration of session " + id + " was called off by "
                                + c.claimant()
                                        .substring(
                                                0, c.claimant().length() - ServerRuntime.CANCEL_CLAIM_SUFFIX.length())
                                + ", which keeps the session; stay there");
            case ClaimResult.AlreadyClaimed c ->
                refuse(ctx, ErrorCode.ALREADY_CLAIMED, "session " + id + " was already resumed by " + c.claimant());
            case ClaimResult.Unconfirmed u ->
                refuse(
                        ctx,
                        ErrorCode.CLAIM_PENDING,
                        "session " + id + " is being resumed by " + u.claimant()
                                + ", which has not confirmed it yet; try again in "
                                + Math.max(1, u.retryAfter().toMillis()) + " ms (if " + u.claimant()
                                + " died while resuming it, the session is taken over then)");
            case ClaimResult.Claimed c -> {
                if (!ctx.channel().isActive()) {
                    // The client gave up on us while we claimed: hand the context back so it can resume elsewhere,
                    // with the time it had left, so the timers' bound holds.
                    if (c.ttlLeft().isPositive()) {
                        rt.store.export(id, new ExportedContext(tokenHash, c.payload()), c.ttlLeft());
                    } else {
                        rt.store.delete(id);
                    }
                    return;
                }
                ServerSession running = rt.sessions.get(id);
                if (running != null && running.migrationState().servesCommands()) {
                    // A repeated claim (the store lets a claimant repeat one whose answer it lost) must not
                    // start a second copy of a session that already runs here.
                    refuse(ctx, ErrorCode.ALREADY_CLAIMED, "session " + id + " already runs on " + rt.name());
                    return;
                }
                ContextCodec.Decoded decoded;
                try {
                    decoded = ContextCodec.decode(c.payload());
                } catch (IllegalArgumentException bad) {
                    log.error("session {}: stored context is unreadable: {}", id, bad.getMessage());
                    refuse(
                            ctx,
                            ErrorCode.SESSION_EXPIRED,
                            "session " + id + " cannot be resumed: its stored context is unreadable");
                    return;
                }
                if (c.previousClaimant() != null) {
                    rt.metrics.claimsTakenOver.increment();
                    log.info(
                            "session {}: took over the claim of {}, which never confirmed it (it died or lost the client"
                                    + " while resuming)",
                            id,
                            c.previousClaimant());
                }
                ResumeToken token = ResumeToken.random(rt.random);
                ServerSession resumed =
                        new ServerSession(rt, ctx.channel(), id, token.sha256(), decoded.context(), true);
                session = resumed;
                ServerSession previous = rt.sessions.put(id, resumed);
                if (previous != null) log.debug("session {} resumed on the server it is leaving", id);
                phase = Phase.OPEN;
                rt.metrics.sessionsResumed.increment();
                // The claim is confirmed only once the WELCOME is written: a server that dies before that
                // leaves it provisional, and the client's next RESUME elsewhere takes the session over.
                ctx.writeAndFlush(new Frame.Welcome(ProtocolVersion.CURRENT, id, token, rt.name(), true))
                        .addListener(written -> {
                            if (written.isSuccess()) confirmClaim(ctx, resumed, decoded.inBatch() == null);
                        });
                resumed.startResumed(decoded.inBatch(), resume.attentionRequestId());
            }
        }
    }

    private void confirmClaim(ChannelHandlerContext ctx, ServerSession resumed, boolean idle) {
        rt.store
                .confirm(resumed.id(), rt.name(), rt.tombstoneTtl())
                .orTimeout(rt.options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ours, error) -> {
                    if (error != null) {
                        // The session works; only a RESUME with its old token (a client that never saw our
                        // WELCOME) could still take it over.
                        rt.metrics.claimConfirmFailures.increment();
                        log.warn(
                                "session {}: could not confirm the claim in {}: {}",
                                resumed.id(),
                                rt.store.describe(),
                                rootMessage(error));
                    } else if (ours) {
                        resumed.onClaimConfirmed(idle);
                    } else {
                        ctx.executor().execute(resumed::onClaimLost);
                    }
                });
    }

    /** Version, serving and capacity checks shared by HELLO and RESUME. */
    private boolean admit(ChannelHandlerContext ctx, int version) {
        if (handshakeTimer != null) handshakeTimer.cancel(false);
        if (!ProtocolVersion.isSupported(version)) {
            fatal(
                    ctx,
                    ErrorCode.UNSUPPORTED_VERSION,
                    "protocol version " + version + " is not supported; this server speaks version "
                            + ProtocolVersion.CURRENT);
            return false;
        }
        if (!rt.serving) {
            refuse(
                    ctx,
                    ErrorCode.NOT_SERVING,
                    rt.name() + " is draining and takes no new sessions; connect to another server");
            return false;
        }
        if (rt.sessions.size() >= rt.options.maxSessions()) {
            refuse(
                    ctx,
                    ErrorCode.SERVER_FULL,
                    rt.name() + " holds its maximum of " + rt.options.maxSessions() + " sessions");
            return false;
        }
        return true;
    }

    private void refuse(ChannelHandlerContext ctx, ErrorCode code, String text) {
        rt.metrics.handshakeRefused(code.name());
        close(ctx, code, text);
    }

    private void fatal(ChannelHandlerContext ctx, ErrorCode code, String text) {
        if (code == ErrorCode.PROTOCOL_ERROR || code == ErrorCode.FRAME_TOO_LARGE)
            rt.metrics.protocolErrors.increment();
        log.debug("{}: {} {}", ctx.channel().remoteAddress(), code, text);
        close(ctx, code, text);
    }

    /**
     * Sends the ERROR and closes without losing it: closing a socket that still has unread input
     * makes the kernel send a reset, and the client's kernel then drops the ERROR it has not read
     * yet. So: flush, half-close, keep reading (and discarding) until the client closes too or
     * the linger time is up.
     */
    private void close(ChannelHandlerContext ctx, ErrorCode code, String text) {
        if (phase == Phase.CLOSING) return;
        phase = Phase.CLOSING;
        if (!ctx.channel().isActive()) return;
        ctx.writeAndFlush(new Frame.Error(code, 0, text)).addListener(written -> {
            if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                ctx.channel().config().setAutoRead(true);
                ctx.executor()
                        .schedule(
                                () -> {
                                    ctx.close();
                                },
                                LINGER_MILLIS,
                                TimeUnit.MILLISECONDS);
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) handshakeTimer.cancel(false);
        phase = Phase.CLOSING;
        if (session != null) session.onInactive();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle
                && idle.state() == IdleState.READER_IDLE
                && phase == Phase.OPEN
                && session != null
                && session.isIdle()) {
            phase = Phase.CLOSING;
            ctx.writeAndFlush(new Frame.Goodbye(
                            GoodbyeReason.IDLE_TIMEOUT,
                            "no frame from the client for "
                                    + rt.options.idleTimeout().toSeconds() + " s"))
                    .addListener(f -> ctx.close());
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (session != null) session.onWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fatal(ctx, ErrorCode.FRAME_TOO_LARGE, cause.getMessage());
        } else if (cause instanceof DecoderException) {
            fatal(ctx, ErrorCode.PROTOCOL_ERROR, rootMessage(cause));
        } else if (cause instanceof IOException) {
            log.debug("{}: connection error: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            rt.metrics.internalErrors.increment();
            log.error(
                    "{}: unexpected error; closing the connection",
                    ctx.channel().remoteAddress(),
                    cause);
            ctx.close();
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
