package dev.ferry.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The client port's listening sockets. On epoll with more than one event loop, one socket per loop, bound
 * with {@code SO_REUSEPORT}: the kernel spreads a drain's burst of incoming connections over the loops, and
 * each loop accepts its own and serves them itself, with no hand-off of the new connection to another
 * loop. Elsewhere one socket, whose connections Netty hands to the loops in turn.
 *
 * <p>{@code SO_REUSEPORT} lets a second socket of the same user bind a port that is taken if it sets the
 * option too, so a second server started on the same port by mistake would share it silently. Before
 * binding, a plain socket without the option is bound to the port and closed again, which fails as a
 * taken port always does.
 */
final class ClientListeners {
    private final List<Channel> channels;

    private ClientListeners(List<Channel> channels) {
        this.channels = List.copyOf(channels);
    }

    /**
     * Binds {@code host:port} (port 0: a free one).
     *
     * @param bootstrapOn a configured bootstrap whose parent and child group is the given one
     */
    static ClientListeners bind(
            EventLoopGroup group, String host, int port, Function<EventLoopGroup, ServerBootstrap> bootstrapOn)
            throws InterruptedException {
        List<EventLoop> loops = loopsOf(group);
        if (!(group instanceof EpollEventLoopGroup) || loops.size() < 2)
            return new ClientListeners(
                    List.of(bootstrapOn.apply(group).bind(host, port).sync().channel()));
        if (port != 0) refuseTakenPort(host, port);
        List<Channel> bound = new ArrayList<>(loops.size());
        try {
            int at = port;
            for (EventLoop loop : loops) {
                Channel c = bootstrapOn
                        .apply(loop)
                        .option(EpollChannelOption.SO_REUSEPORT, true)
                        .bind(host, at)
                        .sync()
                        .channel();
                bound.add(c);
                at = ((InetSocketAddress) c.localAddress()).getPort();
            }
        } catch (RuntimeException | InterruptedException e) {
            for (Channel c : bound) c.close().syncUninterruptibly();
            throw e;
        }
        return new ClientListeners(bound);
    }

    private static List<EventLoop> loopsOf(EventLoopGroup group) {
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) loops.add((EventLoop) e);
        return loops;
    }

    private static void refuseTakenPort(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            BindException taken = new BindException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (is another server already on this port?)");
            taken.initCause(e);
            throw new IllegalStateException(taken.getMessage(), taken);
        }
    }

    /** Where clients connect. */
    InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    int count() {
        return channels.size();
    }

    void close() {
        for (Channel c : channels) c.close().syncUninterruptibly();
    }
}
