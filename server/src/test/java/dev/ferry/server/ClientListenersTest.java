package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client port's listening sockets on real loopback TCP. */
class ClientListenersTest {
    private static final int CONNECTIONS = 64;

    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<ClientListeners> listeners = new ArrayList<>();
    /** Connections whose accepting loop also serves them, and those it handed to another loop. */
    private final Set<Integer> servedByAcceptingLoop = ConcurrentHashMap.newKeySet();

    private final Set<Integer> handedOver = ConcurrentHashMap.newKeySet();
    private CountDownLatch accepted;

    @AfterEach
    void stop() {
        for (ClientListeners l : listeners) l.close();
        for (EventLoopGroup g : groups)
            g.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    @Test
    void onEpollEachLoopAcceptsAndServesItsOwnConnections() throws Exception {
        EventLoopGroup group = epollGroup(2);
        ClientListeners l = bind(group, 0);

        assertThat(l.count()).isEqualTo(2);
        connect(l.localAddress(), CONNECTIONS);
        assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(handedOver).isEmpty();
        assertThat(servedByAcceptingLoop).hasSize(CONNECTIONS);
    }

    @Test
    void aSecondServerOnTheSamePortFailsToBindInsteadOfSharingIt() throws Exception {
        EventLoopGroup group = epollGroup(2);
        ClientListeners first = bind(group, 0);
        int port = first.localAddress().getPort();

        assertThatThrownBy(() -> bind(epollGroup(2), port))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("Address already in use")
                .hasMessageContaining("another server");
        // The first still serves all of its connections.
        connect(first.localAddress(), 8);
        assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPortTakenByAPlainSocketIsRefusedToo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> bind(epollGroup(2), port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void aGivenFreePortIsBoundByEveryLoop() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ClientListeners l = bindWithRetry(port);
        assertThat(l.count()).isEqualTo(2);
        assertThat(l.localAddress().getPort()).isEqualTo(port);
        connect(l.localAddress(), CONNECTIONS);
        assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(handedOver).isEmpty();
    }

    @Test
    void withOneLoopOrOnNioOneSocket() throws Exception {
        ClientListeners one = bind(epollGroup(1), 0);
        assertThat(one.count()).isEqualTo(1);
        NioEventLoopGroup nio = new NioEventLoopGroup(2);
        groups.add(nio);
        ClientListeners onNio = bind(nio, 0);
        assertThat(onNio.count()).isEqualTo(1);
        connect(onNio.localAddress(), 8);
        assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
    }

    /** A port found free can be taken before it is bound; try a few others then. */
    private ClientListeners bindWithRetry(int firstPort) throws Exception {
        int port = firstPort;
        for (int attempt = 1; ; attempt++) {
            try {
                return bind(epollGroup(2), port);
            } catch (IllegalStateException e) {
                if (attempt == 3) throw e;
                try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    port = free.getLocalPort();
                }
            }
        }
    }

    private EventLoopGroup epollGroup(int loops) {
        assertThat(Epoll.isAvailable())
                .as("epoll on this Linux machine: %s", Epoll.unavailabilityCause())
                .isTrue();
        EventLoopGroup g = new EpollEventLoopGroup(loops);
        groups.add(g);
        return g;
    }

    private ClientListeners bind(EventLoopGroup group, int port) throws InterruptedException {
        boolean epoll = group instanceof EpollEventLoopGroup;
        Function<EventLoopGroup, ServerBootstrap> bootstrapOn = loops -> new ServerBootstrap()
                .group(loops)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object child) {
                        ((SocketChannel) child)
                                .attr(ACCEPTED_ON)
                                .set(ctx.channel().eventLoop());
                        ctx.fireChannelRead(child);
                    }
                })
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        int id = ch.remoteAddress().getPort();
                        if (ch.attr(ACCEPTED_ON).get() == ch.eventLoop()) servedByAcceptingLoop.add(id);
                        else handedOver.add(id);
                        accepted.countDown();
                    }
                });
        ClientListeners l = ClientListeners.bind(group, "127.0.0.1", port, bootstrapOn);
        listeners.add(l);
        return l;
    }

    private static final AttributeKey<EventLoop> ACCEPTED_ON = AttributeKey.valueOf("acceptedOn");

    private void connect(InetSocketAddress at, int n) throws IOException {
        accepted = new CountDownLatch(n);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) sockets.add(new Socket(at.getAddress(), at.getPort()));
            try {
                assertThat(accepted.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } finally {
            for (Socket s : sockets) s.close();
        }
    }
}
