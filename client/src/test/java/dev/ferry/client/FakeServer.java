package dev.ferry.client;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted Ferry server for client tests: real TCP on 127.0.0.1, the real codec, and a test
 * that decides what to send. It answers HELLO with WELCOME on its own (unless told not to) and,
 * if asked, RESUME with WELCOME(resumed); everything else the test scripts through
 * {@link FakeConnection}.
 */
final class FakeServer implements AutoCloseable {
    static final SecureRandom RANDOM = new SecureRandom();
    static final long WAIT_SECONDS = 10;

    final String name;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel serverChannel;
    private final BlockingQueue<FakeConnection> accepted = new LinkedBlockingQueue<>();
    volatile boolean autoWelcome = true;
    volatile boolean autoResume = false;

    private FakeServer(String name) {
        this.name = name;
        this.serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        FakeConnection conn = new FakeConnection(FakeServer.this, ch);
                        ch.pipeline()
                                .addLast(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH))
                                .addLast(FrameEncoder.INSTANCE)
                                .addLast(new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
                                        conn.received(f);
                                    }
                                });
                        accepted.add(conn);
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
    }

    static FakeServer start(String name) {
        return new FakeServer(name);
    }

    String address() {
        InetSocketAddress a = (InetSocketAddress) serverChannel.localAddress();
        return "127.0.0.1:" + a.getPort();
    }

    FakeConnection awaitConnection() {
        try {
            FakeConnection c = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (c == null) throw new AssertionError(name + ": no connection within " + WAIT_SECONDS + " s");
            return c;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Null if no connection arrived in {@code millis}; used to show that something did not happen. */
    FakeConnection pollConnection(long millis) throws InterruptedException {
        return accepted.poll(millis, TimeUnit.MILLISECONDS);
    }

    static Frame.Welcome welcome(SessionId id, String server, boolean resumed) {
        return new Frame.Welcome(ProtocolVersion.CURRENT, id, ResumeToken.random(RANDOM), server, resumed);
    }

    /** An address nothing listens on: a bound-then-closed port. */
    static String deadAddress() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
