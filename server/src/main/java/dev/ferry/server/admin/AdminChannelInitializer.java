package dev.ferry.server.admin;

import dev.ferry.server.tls.ServerTls;
import dev.ferry.server.tls.TlsFailureHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * [tls → tls-failures] → http-codec → aggregator → idle → admin. "idle" sits after the aggregator on purpose: only a
 * complete request counts as activity, so a client trickling a request byte by byte is closed
 * like an idle one.
 */
final class AdminChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final AdminOptions options;
    private final AdminRouter router;
    private final ServerTls tls;
    private final TlsFailureHandler tlsFailures = new TlsFailureHandler(reason -> {});

    /** @param tls null for plain HTTP */
    AdminChannelInitializer(AdminOptions options, AdminRouter router, ServerTls tls) {
        this.options = options;
        this.router = router;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (tls != null) {
            // The idle timeout also bounds a peer that opens a connection and never finishes the handshake.
            ch.pipeline()
                    .addLast("tls", tls.newHandler(ch.alloc(), options.idleTimeout()))
                    .addLast("tls-failures", tlsFailures);
        }
        ch.pipeline()
                .addLast("http-codec", new HttpServerCodec())
                .addLast("aggregator", new BodyLimitAggregator(options.maxBodyBytes()))
                .addLast("idle", new IdleStateHandler(options.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("admin", new AdminHttpHandler(router));
    }
}
