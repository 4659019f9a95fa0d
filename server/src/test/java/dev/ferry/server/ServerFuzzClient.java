package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw client for {@link ServerFuzzTest}: writes bytes exactly as told and hands back the
 * server's frames and the end of the connection in one queue, so a test can wait for "the next
 * frame or the close" without polling. Its decoder accepts frames up to 16 MiB, and any problem
 * decoding what the server sent is recorded as a finding.
 */
final class ServerFuzzClient implements AutoCloseable {
    /** Put in the queue when the connection has closed. */
    static final Object CLOSED = new Object() {
        @Override
        public String toString() {
            return "<closed>";
        }
    };

    private final Channel channel;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    final List<Throwable> clientSideErrors = new CopyOnWriteArrayList<>();
    private boolean closedSeen;

    private ServerFuzzClient(EventLoopGroup group, InetSocketAddress address, boolean autoRead)
            throws InterruptedException {
        this.channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new FrameDecoder(16 << 20))
                                .addLast(FrameEncoder.INSTANCE)
                                .addLast(new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                        events.add(frame);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        events.add(CLOSED);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        // An I/O error (a reset) is reported in the event queue; anything else is a
                                        // finding.
                                        if (cause instanceof IOException) events.add(cause);
                                        else clientSideErrors.add(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(address)
                .sync()
                .channel();
    }

    static ServerFuzzClient connect(EventLoopGroup group, InetSocketAddress address) {
        return connect(group, address, true);
    }

    /** With {@code autoRead} false, nothing is read from the socket until {@link #startReading()}. */
    static ServerFuzzClient connect(EventLoopGroup group, InetSocketAddress address, boolean autoRead) {
        try {
            return new ServerFuzzClient(group, address, autoRead);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static EventLoopGroup newGroup(int threads) {
        return new NioEventLoopGroup(threads);
    }

    void send(Frame frame) {
        channel.writeAndFlush(frame).awaitUninterruptibly();
    }

    /** Writes bytes; a write failing because the server already closed is not an error here. */
    void sendRaw(byte[] bytes, int from, int to) {
        if (from >= to) return;
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes, from, to - from)).awaitUninterruptibly();
    }

    /** The next frame, or {@link #CLOSED}; null if nothing came within {@code timeout}. */
    Object next(Duration timeout) {
        if (closedSeen && events.isEmpty()) return CLOSED;
        try {
            Object o = events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (o == CLOSED) closedSeen = true;
            return o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void startReading() {
        channel.config().setAutoRead(true);
    }

    boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
