package dev.ferry.client;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** The client's TLS context, built once per {@link FerryClient}; one {@link SslHandler} per connection. */
final class ClientTls {
    /**
     * Carries the context from the client's bootstrap to each connection's pipeline: Bootstrap
     * copies attributes onto every channel before the initializer runs.
     */
    static final AttributeKey<ClientTls> KEY = AttributeKey.valueOf(ClientTls.class, "tls");

    private final SslContext context;
    private final long handshakeTimeoutMillis;
    private final String serverName;

    private ClientTls(SslContext context, long handshakeTimeoutMillis, String serverName) {
        this.context = context;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.serverName = serverName;
    }

    /** @throws IllegalArgumentException if a PEM file cannot be used */
    static ClientTls create(ClientTlsOptions options, long handshakeTimeoutMillis) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    // Netty 4.1 verifies nothing about the name unless told to.
                    .endpointIdentificationAlgorithm(options.verifyHostname() ? "HTTPS" : null);
            if (options.trustCaPem() != null)
                b.trustManager(options.trustCaPem().toFile());
            if (options.clientCertPem() != null)
                b.keyManager(
                        options.clientCertPem().toFile(), options.clientKeyPem().toFile());
            return new ClientTls(b.build(), handshakeTimeoutMillis, options.serverName());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS from " + options + ": " + e.getMessage(), e);
        }
    }

    /** A handler for a connection to {@code remote}; host and port go into SNI and the name check. */
    SslHandler newHandler(Channel ch, InetSocketAddress remote) {
        // The peer host given to the engine is what SNI sends and what endpoint identification checks.
        String host = serverName != null ? serverName : remote.getHostString();
        SslHandler h = context.newHandler(ch.alloc(), host, remote.getPort());
        h.setHandshakeTimeout(handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        return h;
    }
}
