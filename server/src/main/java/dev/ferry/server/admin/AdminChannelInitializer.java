package dev.ferry.server.admin;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * http-codec → aggregator → idle → admin. "idle" sits after the aggregator on purpose: only a
 * complete request counts as activity, so a client trickling a request byte by byte is closed
 * like an idle one.
 */
final class AdminChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final AdminOptions options;
    private final AdminRouter router;

    AdminChannelInitializer(AdminOptions options, AdminRouter router) {
        this.options = options;
        this.router = router;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("http-codec", new HttpServerCodec())
                .addLast("aggregator", new BodyLimitAggregator(options.maxBodyBytes()))
                .addLast("idle", new IdleStateHandler(options.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("admin", new AdminHttpHandler(router));
    }
}
