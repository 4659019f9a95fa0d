package dev.ferry.server.admin;

import dev.ferry.server.FerryServer;
import dev.ferry.server.tls.ServerTls;
import dev.ferry.store.ContextStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API of a {@link FerryServer}, on its own port: health probes, Prometheus
 * metrics, status, and the drain / migrate / peers controls the operator drives.
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.start(AdminOptions.builder()
 *         .bindHost("0.0.0.0").port(9090).bearerToken(System.getenv("FERRY_ADMIN_TOKEN")).build(),
 *         server, store);
 * }</pre>
 *
 * One event loop thread serves it (admin traffic is light); work that may wait on the context
 * store runs on virtual threads.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final Channel listener;
    private final AdminRouter router;
    private volatile boolean closed;

    private AdminServer(AdminOptions options, FerryServer server, ContextStore store) throws InterruptedException {
        ServerTls tls = options.tls() == null ? null : ServerTls.create(options.tls());
        StoreHealth storeHealth =
                new StoreHealth(store, options.storePingTimeout(), options.storePingCacheTtl(), System::nanoTime);
        BearerAuth auth = BearerAuth.of(options);
        this.blocking = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("ferry-admin-", 0).factory());
        this.router = new AdminRouter(
                new AdminEndpoints(server, storeHealth, blocking, options.warmUp()),
                auth,
                new TokenBucket(options.requestsPerSecond(), System::nanoTime));
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory("ferry-admin-io-" + server.name(), true);
        this.group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new AdminChannelInitializer(options, router, tls));
        try {
            this.listener =
                    bootstrap.bind(options.bindHost(), options.port()).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            blocking.shutdownNow();
            throw e;
        }
        if (!auth.enabled()) {
            log.warn(
                    "{}: admin API on {} has authentication TURNED OFF (insecureNoAuth); anyone who can reach it "
                            + "can drain this server. Use it only on a developer machine.",
                    server.name(),
                    listener.localAddress());
        }
        if (!storeHealth.checksStore()) {
            log.warn(
                    "{}: admin API was started without the context store; readiness will not check the store",
                    server.name());
        }
        log.info("{}: admin API listening on {} ({})", server.name(), listener.localAddress(), options);
    }

    /**
     * Starts the admin API; readiness pings {@code store} (the server's context store).
     *
     * @throws RuntimeException if the port cannot be bound
     */
    public static AdminServer start(AdminOptions options, FerryServer server, ContextStore store) {
        try {
            return new AdminServer(options, server, store);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the admin port", e);
        }
    }

    /** Starts the admin API; readiness pings the server's own context store. */
    public static AdminServer start(AdminOptions options, FerryServer server) {
        return start(options, server, server.contextStore());
    }

    /** The routes this server answers, for the tests that hold them against the OpenAPI document. */
    AdminRouter router() {
        return router;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening and closes every admin connection. Work already handed to a virtual thread finishes on its own. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        InetSocketAddress address = localAddress();
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        blocking.shutdown();
        log.info("admin API on {} stopped", address);
    }
}
