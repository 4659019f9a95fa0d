package dev.ferry.client;

import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** Builds a session connection's pipeline: frame-decoder → frame-encoder → session. */
final class SessionChannelInitializer extends ChannelInitializer<Channel> {
    private final SessionEngine engine;
    private final int maxFrameLength;

    SessionChannelInitializer(SessionEngine engine, int maxFrameLength) {
        this.engine = engine;
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast("frame-decoder", new FrameDecoder(maxFrameLength))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new SessionChannelHandler(engine));
    }
}
