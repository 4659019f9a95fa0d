package dev.ferry.server;

import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** framing and codec → session, one pipeline per client connection. */
final class ServerChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerRuntime rt;

    ServerChannelInitializer(ServerRuntime rt) {
        this.rt = rt;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("frame-decoder", new FrameDecoder(rt.options.maxFrameLength()))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new ConnectionHandler(rt));
    }
}
