package dev.ferry.client;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
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
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny stand-in for the reference server, enough to drive {@link dev.ferry.client.tools.LoadRun}
 * through real migrations: the reference commands, a context "store" shared by the servers of a
 * test (claimed atomically by removal), migration at idle or at the next command boundary, and
 * DEFERRED for commands that arrive after the export. Everything runs on the connection's event
 * loop; SLEEP uses a timer.
 */
final class MiniServer implements AutoCloseable {
    final String name;
    private final Map<SessionId, Map<String, String>> store;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel serverChannel;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final AtomicInteger migrationIds = new AtomicInteger();
    final AtomicInteger commandsRun = new AtomicInteger();

    MiniServer(String name, Map<SessionId, Map<String, String>> store) {
        this.name = name;
        this.store = store;
        this.serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Conn c = new Conn(ch);
                        conns.add(c);
                        ch.closeFuture().addListener(f -> conns.remove(c));
                        ch.pipeline()
                                .addLast(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH))
                                .addLast(FrameEncoder.INSTANCE)
                                .addLast(c);
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    int sessions() {
        return conns.size();
    }

    /** Asks every session to move to {@code target}; each moves at its next migration point. */
    void migrateAll(String target, long deadlineMillis) {
        for (Conn c : conns) c.ch.eventLoop().execute(() -> c.requestMigration(target, deadlineMillis));
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Conn extends SimpleChannelInboundHandler<Frame> {
        final Channel ch;
        SessionId id;
        Map<String, String> state;
        boolean busy;
        boolean exported;
        String pendingTarget;
        long pendingDeadline;

        Conn(Channel ch) {
            this.ch = ch;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            switch (f) {
                case Frame.Hello h -> {
                    id = new SessionId(FakeServer.RANDOM.nextLong(), FakeServer.RANDOM.nextLong());
                    state = new HashMap<>();
                    ch.writeAndFlush(FakeServer.welcome(id, name, false));
                }
                case Frame.Resume r -> {
                    Map<String, String> s = store.remove(r.sessionId()); // the atomic claim
                    if (s == null) {
                        ch.writeAndFlush(new Frame.Error(ErrorCode.SESSION_EXPIRED, 0, "no context"))
                                .addListener(x -> ch.close());
                        return;
                    }
                    id = r.sessionId();
                    state = s;
                    ch.writeAndFlush(FakeServer.welcome(id, name, true));
                }
                case Frame.Command c -> {
                    if (exported) {
                        ch.writeAndFlush(new Frame.Deferred(c.requestId()));
                    } else {
                        busy = true;
                        run(c.requestId(), c.text());
                    }
                }
                case Frame.Goodbye g -> ch.close();
                default -> {}
            }
        }

        private void run(int rid, String text) {
            commandsRun.incrementAndGet();
            String[] w = text.split(" ");
            switch (w[0]) {
                case "PING" -> finish(rid, List.of("PONG"));
                case "WHOAMI" -> finish(rid, List.of(name + " " + id));
                case "ECHO" -> finish(rid, List.of(w[1]));
                case "SET" -> {
                    state.put(w[1], w[2]);
                    finish(rid, List.of());
                }
                case "GET" -> finish(rid, state.containsKey(w[1]) ? List.of(state.get(w[1])) : List.of());
                case "INCR" -> {
                    long v = Long.parseLong(state.getOrDefault(w[1], "0")) + 1;
                    state.put(w[1], Long.toString(v));
                    finish(rid, List.of(Long.toString(v)));
                }
                case "STREAM" ->
                    finish(
                            rid,
                            java.util.stream.IntStream.range(0, Integer.parseInt(w[1]))
                                    .mapToObj(Integer::toString)
                                    .toList());
                case "SLEEP" ->
                    ch.eventLoop().schedule(() -> finish(rid, List.of()), Long.parseLong(w[1]), TimeUnit.MILLISECONDS);
                case "BEGIN", "COMMIT", "ROLLBACK" -> finish(rid, List.of());
                default -> {
                    ch.write(new Frame.Message(rid, Severity.ERROR, "unknown command " + w[0]));
                    ch.writeAndFlush(new Frame.Done(rid, DoneFlags.FINAL | DoneFlags.ERROR, 0));
                    busy = false;
                }
            }
        }

        private void finish(int rid, List<String> rows) {
            for (int i = 0; i < rows.size(); i++) {
                ch.write(new Frame.Row(rid, i, rows.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            ch.writeAndFlush(new Frame.Done(rid, DoneFlags.FINAL, rows.size()));
            busy = false;
            if (pendingTarget != null) migrateNow(); // a command boundary is a migration point
        }

        void requestMigration(String target, long deadlineMillis) {
            if (id == null || exported || !ch.isActive()) return;
            pendingTarget = target;
            pendingDeadline = deadlineMillis;
            if (!busy) migrateNow();
        }

        private void migrateNow() {
            store.put(id, state);
            exported = true;
            String target = pendingTarget;
            pendingTarget = null;
            ch.write(new Frame.Migrate(migrationIds.incrementAndGet(), 0, pendingDeadline, List.of(target)));
            if (pendingDeadline == 0) {
                ch.writeAndFlush(new Frame.Goodbye(GoodbyeReason.MIGRATING, "moving"))
                        .addListener(x -> ch.close());
            } else {
                ch.flush();
            }
        }
    }
}
