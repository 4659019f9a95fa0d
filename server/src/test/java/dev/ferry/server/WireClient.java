package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A frame-level test client: sends exactly the frames a test says and records every frame the
 * server sends, so server tests can assert the wire behaviour without the client library's
 * migration logic in the way.
 */
public final class WireClient implements AutoCloseable {
    private static final EventLoopGroup GROUP = new NioEventLoopGroup(1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Channel channel;
    private final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private WireClient(InetSocketAddress address) throws InterruptedException {
        this.channel = new Bootstrap()
                .group(GROUP)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("frame-decoder", new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH))
                                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                                .addLast("recorder", new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                        received.add(frame);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        closed.countDown();
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        failure.compareAndSet(null, cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(address)
                .sync()
                .channel();
    }

    public static WireClient connect(InetSocketAddress address) {
        try {
            return new WireClient(address);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static WireClient connect(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return connect(
                new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
    }

    /** Connects and says HELLO; returns the WELCOME. */
    public Frame.Welcome hello() {
        send(new Frame.Hello(ProtocolVersion.CURRENT, "wire-test"));
        return expect(Frame.Welcome.class);
    }

    public WireClient send(Frame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
        return this;
    }

    /** Sends raw bytes, for malformed-input tests. */
    public WireClient sendRaw(ByteBuf bytes) {
        channel.writeAndFlush(bytes).syncUninterruptibly();
        return this;
    }

    /** The next frame from the server; fails the test if none comes within 10 s. */
    public Frame next() {
        try {
            Frame f = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) throw new AssertionError("no frame from the server within " + WAIT);
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public <T extends Frame> T expect(Class<T> type) {
        Frame f = next();
        if (!type.isInstance(f)) throw new AssertionError("expected " + type.getSimpleName() + " but got " + f);
        return type.cast(f);
    }

    /** Every frame up to and including the final DONE of {@code requestId} (or a DEFERRED for it). */
    public List<Frame> untilFinal(int requestId) {
        List<Frame> frames = new ArrayList<>();
        for (; ; ) {
            Frame f = next();
            frames.add(f);
            if (f instanceof Frame.Done d && d.requestId() == requestId && d.isFinal()) return frames;
            if (f instanceof Frame.Deferred d && d.requestId() == requestId) return frames;
        }
    }

    /** Frames received so far and not yet taken. */
    public List<Frame> drainReceived() {
        List<Frame> frames = new ArrayList<>();
        received.drainTo(frames);
        return frames;
    }

    public boolean awaitClosed(Duration timeout) {
        try {
            return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What ended the connection if it did not end cleanly (a reset reads as an IOException), else null. */
    public Throwable failure() {
        return failure.get();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
