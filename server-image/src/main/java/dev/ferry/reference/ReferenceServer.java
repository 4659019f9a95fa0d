package dev.ferry.reference;

import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.SessionHandler;
import dev.ferry.server.WarmUp;
import dev.ferry.server.admin.AdminOptions;
import dev.ferry.server.admin.AdminServer;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ContextStoreOptions;
import dev.ferry.store.ContextStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server: the SDK plus {@link ReferenceHandler}, configured by environment
 * variables ({@link ServerConfig#HELP}). A SIGTERM drains its sessions to its peers before it
 * exits, so a pod deleted without the operator still loses no client.
 */
public final class ReferenceServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReferenceServer.class);

    private final ServerConfig config;
    private final ContextStore store;
    private final FerryServer server;
    private final AdminServer admin;
    private final WarmUp warmUp;
    private final ReferenceWarmUp warmUpSessions;
    /** What the warm-up holds open (its client) until it has run. */
    private final List<AutoCloseable> warmUpResources;

    private ReferenceServer(
            ServerConfig config,
            ContextStore store,
            FerryServer server,
            AdminServer admin,
            WarmUp warmUp,
            List<AutoCloseable> warmUpResources) {
        this.config = config;
        this.store = store;
        this.server = server;
        this.admin = admin;
        this.warmUp = warmUp;
        this.warmUpResources = warmUpResources;
        this.warmUpSessions = warmUpResources.stream()
                .filter(ReferenceWarmUp.class::isInstance)
                .map(ReferenceWarmUp.class::cast)
                .findFirst()
                .orElse(null);
    }

    /** Migrations the warm-up's sessions made (through the context store), 0 without a warm-up. */
    long warmUpMigrations() {
        return warmUpSessions == null ? 0 : warmUpSessions.migrations();
    }

    public static ReferenceServer start(ServerConfig config) {
        return start(config, UnaryOperator.identity());
    }

    /**
     * As {@link #start(ServerConfig)}, with the reference handler passed through {@code wrap} first: a harness that
     * needs to watch the session events (the benchmarks record when a session was told to move) wraps it instead of
     * building its own server.
     */
    public static ReferenceServer start(ServerConfig config, UnaryOperator<SessionHandler> wrap) {
        ContextStore store = ContextStores.open(
                config.storeUri(),
                ContextStoreOptions.builder().trustCaPem(config.storeCaFile()).build());
        try {
            FerryServer server = FerryServer.start(serverOptions(
                            config, store, wrap.apply(new ReferenceHandler(config.serverName(), config.version())))
                    .build());
            server.setPeers(config.peers());
            List<AutoCloseable> warmUpResources = new ArrayList<>();
            try {
                // Readiness waits for the warm-up (FERRY_WARMUP_ITERATIONS; none by default): see warmUp(). Its
                // sessions run on a warm-up server of their own with the same options and a handler of its own.
                WarmUp warmUp = ReferenceWarmUp.forServer(
                                config,
                                serverOptions(
                                        config, store, new ReferenceHandler(config.serverName(), config.version())),
                                warmUpResources)
                        .bindTo(server.meterRegistry());
                AdminOptions.Builder admin = AdminOptions.builder()
                        .bindHost(config.bindHost())
                        .port(config.adminPort())
                        .tls(config.adminTls())
                        .readyAfter(warmUp);
                if (config.adminToken() != null) admin.bearerToken(config.adminToken());
                else admin.insecureNoAuth();
                return new ReferenceServer(
                        config, store, server, AdminServer.start(admin.build(), server), warmUp, warmUpResources);
            } catch (RuntimeException e) {
                closeQuietly(warmUpResources);
                server.close();
                throw e;
            }
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static ServerOptions.Builder serverOptions(
            ServerConfig config, ContextStore store, SessionHandler handler) {
        return ServerOptions.builder()
                .serverName(config.serverName())
                .bindHost(config.bindHost())
                .port(config.port())
                .advertisedAddress(config.advertisedAddress())
                .timers(config.timers())
                .maxSessions(config.maxSessions())
                .maxFrameLength(config.maxFrameBytes())
                .handshakeTimeout(config.handshakeTimeout())
                .writeThrough(config.writeThrough())
                .claimConfirmTimeout(config.claimConfirmTimeout())
                .contextStore(store)
                .handler(handler)
                .tls(config.tls());
    }

    /**
     * Runs the warm-up ({@code FERRY_WARMUP_ITERATIONS} real sessions on loopback; nothing when it is 0) on the
     * calling thread; /healthz/ready answers 503 until it has returned. Call it once, after {@link #start}.
     */
    public WarmUp.Result warmUp() {
        try {
            return warmUp.run();
        } finally {
            closeQuietly(warmUpResources);
        }
    }

    private static void closeQuietly(List<AutoCloseable> resources) {
        synchronized (resources) { // the warm-up's thread or the SIGTERM hook, whichever comes first
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    log.warn("warm-up: closing {} failed: {}", r, e.toString());
                }
            }
            resources.clear();
        }
    }

    /** One line a parent process (the demo, the benchmarks) can wait for and parse. */
    public void printReady() {
        System.out.println("FERRY READY name=" + config.serverName() + " address=" + server.advertisedAddress()
                + " admin=" + admin.localAddress().getHostString() + ":"
                + admin.localAddress().getPort()
                + " version=" + config.version());
        System.out.flush();
    }

    public FerryServer server() {
        return server;
    }

    public java.net.InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    public ServerConfig config() {
        return config;
    }

    /** SIGTERM: migrate everyone to the peers, bounded by the idle migration timer, then stop. */
    public void shutdownGracefully() {
        Duration bound = config.timers().idleMigration().plusSeconds(1);
        int left = server.shutdownGracefully(config.drainRate(), bound);
        admin.close();
        if (left > 0)
            log.warn(
                    "{}: {} sessions were still here after {} s and were closed",
                    config.serverName(),
                    left,
                    bound.toSeconds());
        store.close();
    }

    @Override
    public void close() {
        closeQuietly(warmUpResources);
        admin.close();
        server.close();
        store.close();
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print("Ferry reference server. Configure with environment variables:\n" + ServerConfig.HELP);
            return;
        }
        ServerConfig config;
        try {
            config = ServerConfig.fromEnvironment(Map.copyOf(System.getenv()));
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage());
            System.exit(2);
            return;
        }
        ReferenceServer server = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownGracefully, "ferry-sigterm"));
        server.warmUp();
        server.printReady();
        // Netty's threads are daemons: main keeps the JVM alive until SIGTERM runs the hook.
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
