package dev.ferry.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the client: opens sessions to a Ferry fleet. One client owns one Netty event loop
 * group ({@link ClientOptions#eventLoopThreads()} threads) that all its sessions share; an idle
 * session costs one connection and a few small objects, no thread and no timer.
 */
public final class FerryClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryClient.class);

    private final ClientOptions options;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ClientMetrics metrics = new ClientMetrics();
    private final Set<FerrySession> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private FerryClient(ClientOptions options) {
        this.options = options;
        // Before the event loop group exists: a bad PEM file fails create() with nothing to clean up.
        ClientTls tls = options.tls() == null
                ? null
                : ClientTls.create(options.tls(), options.connectTimeout().toMillis());
        this.group = new NioEventLoopGroup(options.eventLoopThreads(), new DefaultThreadFactory("ferry-client", true));
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                // A failed write must not close the channel before it has read what the server sent
                // last (a MIGRATE and GOODBYE just before it closed): reading ends the connection.
                .option(ChannelOption.AUTO_CLOSE, false);
        if (tls != null) bootstrap.attr(ClientTls.KEY, tls);
    }

    public static FerryClient create(ClientOptions options) {
        return new FerryClient(options);
    }

    public ClientOptions options() {
        return options;
    }

    /** Counters and the pause histogram of every session of this client. */
    public ClientMetrics metrics() {
        return metrics;
    }

    /** Sessions opened and not yet closed. */
    public int openSessions() {
        return sessions.size();
    }

    /**
     * Opens a session: connects to the service address, sends HELLO and waits for WELCOME (each
     * bounded by {@link ClientOptions#connectTimeout()}). A server that answers SERVER_FULL or
     * NOT_SERVING is tried again, up to {@link ClientOptions#resumeAttempts()} times, since the
     * service address may lead to another server next time.
     *
     * @throws ConnectFailedException if no session could be opened
     */
    public FerrySession connect() {
        ConnectFailedException last = null;
        for (int attempt = 0; attempt < options.resumeAttempts(); attempt++) {
            try {
                return connectOnce();
            } catch (ConnectFailedException e) {
                last = e;
                if (e.code() == null || !e.code().retryElsewhere()) throw e;
            }
        }
        throw last;
    }

    private FerrySession connectOnce() {
        if (closed) throw new IllegalStateException("the client is closed");
        EventLoop loop = group.next();
        SessionEngine engine = new SessionEngine(options, metrics, loop, bootstrap);
        FerrySession session = new FerrySession(this, engine, options);
        CompletableFuture<Void> opened = engine.open();
        try {
            opened.get(options.connectTimeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConnectFailedException c) throw (ConnectFailedException) Failures.forCaller(c);
            throw new ConnectFailedException(
                    null, "cannot open a session on " + options.serviceAddress() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            engine.closeAsync();
            throw new ConnectFailedException(
                    null, "no session on " + options.serviceAddress() + " within " + options.connectTimeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            engine.closeAsync();
            throw new ConnectFailedException(null, "interrupted while connecting to " + options.serviceAddress(), e);
        }
        sessions.add(session);
        if (closed) { // close() ran meanwhile and did not see this session
            session.close();
            throw new IllegalStateException("the client is closed");
        }
        return session;
    }

    void forget(FerrySession session) {
        sessions.remove(session);
    }

    /** Closes every open session (GOODBYE(CLOSE)) and shuts the event loop group down. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (FerrySession s : sessions) closing.add(s.closeAsync());
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("not every session closed cleanly: {}", e.toString());
        }
        sessions.clear();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
