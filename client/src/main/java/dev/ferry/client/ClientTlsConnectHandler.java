package dev.ferry.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * First handler of a TLS session connection until it connects: the pipeline is built before the
 * address is known, but the SslHandler needs it (SNI, and the certificate must name the host or
 * IP we dial). At connect it puts the SslHandler ("tls") in its own place and steps aside.
 */
final class ClientTlsConnectHandler extends ChannelOutboundHandlerAdapter {
    private final ClientTls tls;

    ClientTlsConnectHandler(ClientTls tls) {
        this.tls = tls;
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        InetSocketAddress address = (InetSocketAddress) remote;
        ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.channel(), address));
        // The replaced context still links to the head, so the connect goes on from here.
        ctx.connect(remote, local, promise);
    }
}
