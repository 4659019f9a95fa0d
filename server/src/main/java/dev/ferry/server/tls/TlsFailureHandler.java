package dev.ferry.server.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the server's {@code SslHandler} ("tls-failures"). A peer that cannot complete
 * the handshake — a plain-TCP client, one that does not trust our CA, a port scanner — is closed
 * with one debug line: such peers are routine on a public port, and a stack trace for each would
 * bury the logs. TLS errors after the handshake are handled the same way; anything else goes on.
 */
@ChannelHandler.Sharable
public final class TlsFailureHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsFailureHandler.class);

    private final Consumer<String> onHandshakeFailure;

    /** @param onHandshakeFailure told a short reason per failed handshake (e.g. to count it) */
    public TlsFailureHandler(Consumer<String> onHandshakeFailure) {
        this.onHandshakeFailure = onHandshakeFailure;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            log.debug("{}: TLS handshake failed: {}", ctx.channel().remoteAddress(), rootMessage(done.cause()));
            onHandshakeFailure.accept(done.cause().getClass().getSimpleName());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isTlsFailure(cause)) {
            log.debug("{}: TLS error: {}", ctx.channel().remoteAddress(), rootMessage(cause));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Whether {@code cause} is the SslHandler's (a decoding failure caused by an SSLException). */
    public static boolean isTlsFailure(Throwable cause) {
        return cause instanceof SSLException
                || (cause instanceof DecoderException && cause.getCause() instanceof SSLException);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
