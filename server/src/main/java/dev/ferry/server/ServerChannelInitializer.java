package dev.ferry.server;

import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.server.tls.ServerTls;
import dev.ferry.server.tls.TlsFailureHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * [tls → tls-failures] → flush consolidation → framing and codec → idle (optional) → session, one pipeline per client
 * connection.
 * Handlers write every frame with a flush from their own threads; consolidating those flushes on
 * the event loop turns a fast stream of rows into a few large writes instead of a syscall a row.
 */
final class ServerChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerRuntime rt;
    private final ServerTls tls;
    private final TlsFailureHandler tlsFailures;

    /** @param tls null for plain TCP */
    ServerChannelInitializer(ServerRuntime rt, ServerTls tls) {
        this.rt = rt;
        this.tls = tls;
        this.tlsFailures = new TlsFailureHandler(reason -> rt.metrics.handshakeRefused("TLS"));
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (tls != null) {
            // First, so everything after it sees plaintext; the session's own handshake timer
            // (started at channelActive) still bounds TLS handshake plus HELLO together.
            ch.pipeline()
                    .addLast("tls", tls.newHandler(ch.alloc(), rt.options.handshakeTimeout()))
                    .addLast("tls-failures", tlsFailures);
        }
        addSessionHandlers(ch.pipeline(), rt);
    }

    /** Everything after TLS, in order; also used by tests that run sessions on an embedded channel. */
    static void addSessionHandlers(ChannelPipeline pipeline, ServerRuntime rt) {
        pipeline.addLast(
                        "flush-consolidation",
                        new FlushConsolidationHandler(
                                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast("frame-decoder", new FrameDecoder(rt.options.maxFrameLength()))
                .addLast("frame-encoder", FrameEncoder.INSTANCE);
        if (!rt.options.idleTimeout().isZero()) {
            pipeline.addLast(
                    "idle", new IdleStateHandler(rt.options.idleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
        }
        pipeline.addLast("session", new ConnectionHandler(rt));
    }
}
