package dev.ferry.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A server-side TLS context built once from {@link TlsOptions}; hands out one {@link SslHandler}
 * per accepted connection. The JDK provider: no native library to ship, and TLS 1.3 is there.
 */
public final class ServerTls {
    private final SslContext context;
    private final TlsOptions options;

    private ServerTls(SslContext context, TlsOptions options) {
        this.context = context;
        this.options = options;
    }

    /** @throws IllegalArgumentException if the files are not a usable PEM certificate chain and key */
    public static ServerTls create(TlsOptions options) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(options.certChainPem().toFile(), options.keyPem().toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (options.mutual()) {
                b.trustManager(options.clientCaPem().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return new ServerTls(b.build(), options);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load the TLS certificate " + options.certChainPem() + " and key "
                    + options.keyPem() + (options.mutual() ? " (client CA " + options.clientCaPem() + ")" : "")
                    + ": " + e.getMessage(), e);
        }
    }

    /** A handler for one connection; its handshake must finish within {@code handshakeTimeout}. */
    public SslHandler newHandler(ByteBufAllocator alloc, Duration handshakeTimeout) {
        SslHandler h = context.newHandler(alloc);
        h.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return h;
    }

    public TlsOptions options() { return options; }

    @Override
    public String toString() {
        return options.mutual() ? "TLS (client certificates required)" : "TLS";
    }
}
