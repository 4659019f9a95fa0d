package dev.ferry.server;

import dev.ferry.protocol.SessionId;
import dev.ferry.server.tls.ServerTls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ferry server: accepts client sessions, runs the application's {@link SessionHandler}, and
 * migrates sessions to peers when asked — one by one, a number of them, or all (a drain).
 *
 * <pre>{@code
 * FerryServer server = FerryServer.start(ServerOptions.builder()
 *         .port(7000).contextStore(store).handler(myHandler).build());
 * server.drain(List.of("10.0.0.2:7000", "10.0.0.3:7000"), 1000); // migrate everyone away
 * }</pre>
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryServer.class);

    private final ServerRuntime rt;
    private final PrometheusMeterRegistry registry;
    private final EventLoopGroup group;
    private final Channel listener;
    private final ScheduledExecutorService scheduler;
    private final List<String> peers = new CopyOnWriteArrayList<>();
    private volatile Drain drain;
    private volatile boolean closed;
    private final ServerTls tls;

    private FerryServer(ServerOptions options) throws InterruptedException {
        // Read the certificate before anything starts, so a bad file fails start() with nothing to clean up.
        ServerTls tls = options.tls() == null ? null : ServerTls.create(options.tls());
        this.tls = tls;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.rt = new ServerRuntime(options, new ServerMetrics(registry));
        registerDrainGauges();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-drain-" + options.serverName());
            t.setDaemon(true);
            return t;
        });
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory("ferry-io-" + options.serverName(), true);
        this.group = epoll
                ? new EpollEventLoopGroup(options.ioThreads(), threads)
                : new NioEventLoopGroup(options.ioThreads(), threads);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, FrameSizeEstimator.INSTANCE)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeBufferLowWaterMark(), options.writeBufferHighWaterMark()))
                .childHandler(new ServerChannelInitializer(rt, tls));
        try {
            this.listener =
                    bootstrap.bind(options.bindHost(), options.port()).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            scheduler.shutdownNow();
            throw e;
        }
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        rt.advertisedAddress = options.advertisedAddress() != null
                ? options.advertisedAddress()
                : bound.getHostString() + ":" + bound.getPort();
        // Connect to the store now rather than on the first migration, and say so if it is down.
        rt.store.ping().whenComplete((ok, failure) -> {
            if (failure != null)
                log.warn(
                        "{}: context store {} is not reachable yet: {}",
                        options.serverName(),
                        rt.store.describe(),
                        failure.toString());
        });
        log.info(
                "{} listening on {} ({}, advertised {}), store {}, timers idle-migration={}s session-idle={}s",
                options.serverName(),
                bound,
                tls == null ? "plain TCP" : tls,
                rt.advertisedAddress,
                rt.store.describe(),
                rt.timers.idleMigration().toSeconds(),
                rt.timers.sessionIdle().toSeconds());
    }

    /**
     * The drain's gauges: whether one runs, when it started, and when its timers say it should have
     * ended (what the operator allows it: sessions at start / rate + idle migration timer + 5 s).
     */
    private void registerDrainGauges() {
        Gauge.builder("ferry_draining", this, s -> s.drainRunning() == null ? 0 : 1)
                .description("1 while a drain runs (from its start until it is cancelled or the server stops), else 0")
                .register(registry);
        Gauge.builder("ferry_drain_started_timestamp_seconds", this, s -> {
                    Drain d = s.drainRunning();
                    return d == null ? Double.NaN : d.startedAtEpochMillis() / 1000.0;
                })
                .description("When the running drain started (Unix time); NaN when none runs")
                .register(registry);
        Gauge.builder("ferry_drain_deadline_timestamp_seconds", this, s -> {
                    Drain d = s.drainRunning();
                    return d == null ? Double.NaN : d.deadlineEpochMillis(rt.timers.idleMigration()) / 1000.0;
                })
                .description("When the running drain should have ended by its rate and timers (Unix time): start +"
                        + " sessions at start / rate + idle migration timer + 5 s; NaN when none runs")
                .register(registry);
    }

    private Drain drainRunning() {
        Drain d = drain;
        return d == null || d.cancelled() || closed ? null : d;
    }

    /** Binds and starts serving. */
    public static FerryServer start(ServerOptions options) {
        try {
            return new FerryServer(options);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding", e);
        }
    }

    public String name() {
        return rt.name();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }
    /** host:port that peers send migrating clients to. */
    public String advertisedAddress() {
        return rt.advertisedAddress;
    }

    public MigrationTimers timers() {
        return rt.timers;
    }

    public ServerMetrics metrics() {
        return rt.metrics;
    }

    /** Whether this server saves every session at each command boundary ({@link ServerOptions#writeThrough()}). */
    public boolean writeThrough() {
        return rt.options.writeThrough();
    }

    /** The client port's TLS (reloads of renewed certificates included), if it serves TLS. */
    public java.util.Optional<ServerTls> tls() {
        return java.util.Optional.ofNullable(tls);
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }
    /** The metrics in Prometheus text format. */
    public String scrapeMetrics() {
        return registry.scrape();
    }

    public String storeDescription() {
        return rt.store.describe();
    }

    /** The store this server exports to and claims from (readiness pings it). */
    public dev.ferry.store.ContextStore contextStore() {
        return rt.store;
    }

    /** Whether new sessions are accepted (false once a drain started). */
    public boolean isServing() {
        return rt.serving && !closed;
    }

    public int sessionCount() {
        return rt.sessions.size();
    }

    public Map<MigrationState, Long> sessionCountsByState() {
        return rt.metrics.sessionsByState();
    }

    public Optional<Session> session(SessionId id) {
        return Optional.ofNullable(rt.sessions.get(id));
    }

    public Collection<Session> sessions() {
        return List.copyOf(rt.sessions.values());
    }

    /** Asks the named sessions to migrate. @return how many were asked */
    public int migrate(Collection<SessionId> ids, List<String> targets) {
        int n = 0;
        for (SessionId id : ids) {
            ServerSession s = rt.sessions.get(id);
            if (s != null && s.requestMigration(targets, n)) n++;
        }
        return n;
    }

    /** Asks up to {@code count} sessions that are not already migrating to move (rebalance). */
    public int migrate(int count, List<String> targets) {
        int n = 0;
        for (ServerSession s : rt.sessions.values()) {
            if (n >= count) break;
            MigrationState st = s.migrationState();
            if (st == MigrationState.NONE || st == MigrationState.CANCELLED || st == MigrationState.FAILED) {
                if (s.requestMigration(targets, n)) n++;
            }
        }
        return n;
    }

    /**
     * Stops taking new sessions and asks every session to migrate to {@code targets}, at most
     * {@code ratePerSecond} a second (0 or less: all at once). Replaces a running drain.
     */
    public synchronized Drain drain(List<String> targets, double ratePerSecond) {
        if (targets == null || targets.isEmpty())
            throw new IllegalArgumentException("a drain needs at least one target");
        rt.serving = false;
        if (drain != null) drain.cancel();
        drain = new Drain(
                targets,
                ratePerSecond,
                new ArrayList<>(rt.sessions.values()),
                () -> rt.metrics.sessions(MigrationState.REQUESTED),
                scheduler);
        rt.sessionWatcher = drain::sessionChanged;
        drain.start();
        log.info(
                "{}: draining {} sessions to {} at {}/s",
                name(),
                rt.sessions.size(),
                targets,
                ratePerSecond <= 0 ? "unlimited" : ratePerSecond);
        return drain;
    }

    /** The running or last drain, if any. */
    public Optional<Drain> currentDrain() {
        return Optional.ofNullable(drain);
    }

    /**
     * Stops the drain, calls off every migration the clients have not started, and takes new
     * sessions again. @return how many migrations were called off
     */
    public synchronized int cancelDrain() {
        if (drain != null) drain.cancel();
        int n = 0;
        for (ServerSession s : rt.sessions.values()) {
            if (s.cancelMigration()) n++;
        }
        rt.serving = !closed;
        return n;
    }

    /** The peers a SIGTERM drains to when no operator says otherwise. */
    public void setPeers(List<String> addresses) {
        peers.clear();
        addresses.stream().filter(a -> !a.equals(rt.advertisedAddress)).forEach(peers::add);
    }

    public List<String> peers() {
        return List.copyOf(peers);
    }

    /**
     * What a SIGTERM does: drain to the known peers (or, with none or migration disabled, close
     * every session), wait until no session is left or the idle migration timer has passed, then
     * stop. @return sessions still open when it gave up waiting
     */
    public int shutdownGracefully(double ratePerSecond, Duration atMost) {
        List<String> to = peers();
        if (!to.isEmpty() || rt.timers.migrationDisabled()) {
            drain(to.isEmpty() ? List.of(rt.advertisedAddress) : to, ratePerSecond);
        } else {
            rt.serving = false;
            log.warn("{}: no peers known; closing {} sessions without migrating them", name(), rt.sessions.size());
        }
        if (!to.isEmpty()) {
            try {
                rt.awaitEmpty(atMost.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int left = rt.sessions.size();
        close();
        return left;
    }

    /** Closes every connection and stops. Sessions that were not migrated end. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        rt.serving = false;
        if (drain != null) drain.cancel();
        listener.close().syncUninterruptibly();
        for (ServerSession s : rt.sessions.values()) s.close("server stopped");
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        scheduler.shutdownNow();
        rt.virtualThreads.shutdown();
        registry.close();
        log.info("{} stopped", name());
    }
}
