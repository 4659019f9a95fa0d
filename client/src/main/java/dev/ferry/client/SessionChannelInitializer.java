package dev.ferry.client;

import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * Builds a session connection's pipeline: [tls → tls-failures] → frame-decoder → frame-encoder →
 * session. TLS is on when the client's bootstrap carries a {@link ClientTls} ({@link ClientTls#KEY}),
 * so every connection the engine opens — service address, targets, fallbacks — gets it alike.
 */
final class SessionChannelInitializer extends ChannelInitializer<Channel> {
    private final SessionEngine engine;
    private final int maxFrameLength;

    SessionChannelInitializer(SessionEngine engine, int maxFrameLength) {
        this.engine = engine;
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void initChannel(Channel ch) {
        ClientTls tls = ch.attr(ClientTls.KEY).get();
        if (tls != null) {
            ch.pipeline()
                    .addLast("tls", new ClientTlsConnectHandler(tls))
                    .addLast("tls-failures", new ClientTlsFailureHandler());
        }
        ch.pipeline()
                .addLast("frame-decoder", new FrameDecoder(maxFrameLength))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new SessionChannelHandler(engine));
    }
}
