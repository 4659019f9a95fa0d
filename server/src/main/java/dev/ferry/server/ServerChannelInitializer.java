package dev.ferry.server;

import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * flush consolidation → framing and codec → session, one pipeline per client connection.
 * Handlers write every frame with a flush from their own threads; consolidating those flushes on
 * the event loop turns a fast stream of rows into a few large writes instead of a syscall a row.
 */
final class ServerChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerRuntime rt;

    ServerChannelInitializer(ServerRuntime rt) {
        this.rt = rt;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("flush-consolidation", new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast("frame-decoder", new FrameDecoder(rt.options.maxFrameLength()))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new ConnectionHandler(rt));
    }
}
