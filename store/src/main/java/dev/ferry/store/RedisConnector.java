package dev.ferry.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Owns a Lettuce client and its one connection, connecting lazily: a server may start while
 * Redis is down, so the first connection is attempted on first use and again after a failed
 * attempt. Once connected, Lettuce's auto-reconnect takes over.
 */
final class RedisConnector {
    /** Upper bound between reconnect attempts, so the store notices a returning Redis quickly. */
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final Supplier<CompletableFuture<? extends StatefulConnection<byte[], byte[]>>> connect;
    private final Function<StatefulConnection<byte[], byte[]>, RedisCommandsView> view;
    private CompletableFuture<? extends StatefulConnection<byte[], byte[]>> connection; // guarded by this
    private boolean closed; // guarded by this

    private RedisConnector(
            ClientResources resources,
            AbstractRedisClient client,
            Supplier<CompletableFuture<? extends StatefulConnection<byte[], byte[]>>> connect,
            Function<StatefulConnection<byte[], byte[]>, RedisCommandsView> view) {
        this.resources = resources;
        this.client = client;
        this.connect = connect;
        this.view = view;
    }

    static RedisConnector single(RedisURI uri, ContextStoreOptions options) {
        ClientResources resources = resources();
        configure(uri, options);
        RedisClient client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while disconnected rather than queue: a queued claim could run
                // long after its caller gave up, claiming a session nobody receives.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socketOptions(options))
                .timeoutOptions(timeoutOptions(options))
                .sslOptions(sslOptions(options))
                .build());
        return new RedisConnector(
                resources,
                client,
                () -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                c -> {
                    var async = ((StatefulRedisConnection<byte[], byte[]>) c).async();
                    return new RedisCommandsView(async, async, async);
                });
    }

    static RedisConnector cluster(List<RedisURI> seeds, ContextStoreOptions options) {
        ClientResources resources = resources();
        seeds.forEach(uri -> configure(uri, options));
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socketOptions(options))
                .timeoutOptions(timeoutOptions(options))
                .sslOptions(sslOptions(options))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(30))
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return new RedisConnector(
                resources,
                client,
                // An async cluster connect needs the topology first; loading it is async too, so
                // no caller thread blocks on a cluster that is down.
                () -> client.refreshPartitionsAsync()
                        .toCompletableFuture()
                        .thenCompose(loaded -> client.connectAsync(ByteArrayCodec.INSTANCE)),
                c -> {
                    var async = ((StatefulRedisClusterConnection<byte[], byte[]>) c).async();
                    return new RedisCommandsView(async, async, async);
                });
    }

    private static ClientResources resources() {
        return DefaultClientResources.builder()
                .reconnectDelay(Delay.equalJitter(Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .nettyCustomizer(new FlushConsolidation())
                .build();
    }

    /**
     * Lettuce flushes every command on its own: a drain's burst of exports, or the claims of many
     * arriving clients, each cost a write on both sides. Consolidated, the commands queued on the
     * connection's event loop go out in one write, and Redis answers them in one.
     */
    private static final class FlushConsolidation implements NettyCustomizer {
        @Override
        public void afterChannelInitialized(Channel channel) {
            channel.pipeline()
                    .addFirst(
                            "ferry-flush-consolidation",
                            new FlushConsolidationHandler(
                                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
    }

    private static void configure(RedisURI uri, ContextStoreOptions options) {
        // The URI's timeout covers the connection handshake (HELLO, AUTH, SELECT).
        uri.setTimeout(options.commandTimeout());
        uri.getSentinels().forEach(sentinel -> sentinel.setTimeout(options.commandTimeout()));
    }

    private static SocketOptions socketOptions(ContextStoreOptions options) {
        return SocketOptions.builder()
                .connectTimeout(options.connectTimeout())
                .keepAlive(true)
                .build();
    }

    /**
     * Used only for {@code rediss://} URIs (Lettuce verifies the peer and its host name by
     * default): trusts the configured CA file, or the JDK's trust store without one.
     */
    private static SslOptions sslOptions(ContextStoreOptions options) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (options.trustCaPem() != null) b.trustManager(options.trustCaPem().toFile());
        return b.build();
    }

    private static TimeoutOptions timeoutOptions(ContextStoreOptions options) {
        return TimeoutOptions.builder()
                .timeoutCommands(true)
                .fixedTimeout(options.commandTimeout())
                .build();
    }

    /** The commands of the current connection, connecting first if there is none. */
    CompletableFuture<RedisCommandsView> commands() {
        CompletableFuture<? extends StatefulConnection<byte[], byte[]>> current;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(
                        new StoreUnavailableException("the context store is closed", null));
            }
            if (connection == null || connection.isCompletedExceptionally()) {
                connection = connect.get();
            }
            current = connection;
        }
        return current.thenApply(view);
    }

    void close() {
        CompletableFuture<? extends StatefulConnection<byte[], byte[]>> current;
        synchronized (this) {
            if (closed) return;
            closed = true;
            current = connection;
        }
        if (current != null) {
            current.thenAccept(StatefulConnection::close);
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
    }
}
