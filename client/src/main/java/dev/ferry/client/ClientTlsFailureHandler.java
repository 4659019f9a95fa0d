package dev.ferry.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;

/**
 * After the client's SslHandler ("tls-failures"): turns the SslHandler's raw errors into one
 * {@link TlsHandshakeException} that names TLS and the server, so that "connection closed before
 * WELCOME" is explained by, say, "the server's certificate is not trusted" rather than a decoder error.
 */
final class ClientTlsFailureHandler extends ChannelInboundHandlerAdapter {
    private boolean reported;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            report(ctx, done.cause());
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SSLException
                || (cause instanceof DecoderException && cause.getCause() instanceof SSLException)) {
            report(ctx, cause instanceof SSLException ? cause : cause.getCause());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void report(ChannelHandlerContext ctx, Throwable cause) {
        if (reported) return; // the SslHandler may signal one failure both ways
        reported = true;
        ctx.fireExceptionCaught(new TlsHandshakeException(
                "TLS with " + ctx.channel().remoteAddress() + " failed: " + rootMessage(cause), cause));
        ctx.close();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
