package dev.ferry.client;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A server that speaks valid frames but misbehaves on cue: real TCP on 127.0.0.1, the real codec.
 * Every event (HELLO, RESUME, COMMAND) takes the next {@link Act} from a script shared by the
 * servers of a test, or behaves when the script is used up: a command is answered with one row
 * holding its own text and a final DONE, so a client that hands a result to the wrong command
 * shows it.
 */
final class HostileServer implements AutoCloseable {
    /** What a server does with the next event. */
    enum Act {
        BEHAVE,
        /** HELLO or RESUME: no answer (the client's connect timeout). */
        SILENT,
        /** A second WELCOME on an open session. */
        WELCOME_TWICE,
        /** A final DONE for a request the client never sent, before the real answer. */
        DONE_FOR_UNKNOWN_REQUEST,
        /** Rows of a request the client never sent, before the real answer. */
        ROWS_FOR_UNKNOWN_REQUEST,
        /** The answer, then the same final DONE again. */
        DUPLICATE_DONE,
        /** The answer, then rows and a MESSAGE of the finished request. */
        RESULT_AFTER_DONE,
        /** One row, then the connection closes. */
        CLOSE_MID_RESULT,
        /** The command is not answered at all (the client's command timeout). */
        NO_ANSWER,
        /** DEFERRED, then MIGRATE to addresses that refuse connections. */
        MIGRATE_TO_NOWHERE,
        /** DEFERRED, then MIGRATE to the next server of the test (which may send it back: a loop). */
        MIGRATE_TO_PEER,
        /** RESUME: SESSION_EXPIRED. */
        SESSION_EXPIRED,
        /** RESUME: ALREADY_CLAIMED. */
        ALREADY_CLAIMED,
        /** GOODBYE(SHUTDOWN) and close. */
        SHUTDOWN
    }

    private final EventLoopGroup group;
    private final Channel listener;
    private final Queue<Act> script;
    private final Supplier<String> peer;
    private final List<String> nowhere;
    private final AtomicInteger migrationIds;
    final AtomicInteger connections = new AtomicInteger();

    /**
     * @param peer         the address MIGRATE_TO_PEER sends clients to
     * @param nowhere      addresses that refuse connections
     * @param migrationIds shared by a test's servers, so migration ids are unique
     */
    HostileServer(
            EventLoopGroup group,
            Queue<Act> script,
            Supplier<String> peer,
            List<String> nowhere,
            AtomicInteger migrationIds) {
        this.group = group;
        this.script = script;
        this.peer = peer;
        this.nowhere = nowhere;
        this.migrationIds = migrationIds;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.pipeline()
                                .addLast(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH))
                                .addLast(FrameEncoder.INSTANCE)
                                .addLast(new Conn());
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    private Act next() {
        Act a = script.poll();
        return a == null ? Act.BEHAVE : a;
    }

    private final class Conn extends SimpleChannelInboundHandler<Frame> {
        private SessionId session;
        /** Rows this session has sent per request; a resumed session starts over (the client keeps seq per request). */
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            switch (f) {
                case Frame.Hello h ->
                    opening(ctx, new SessionId(FakeServer.RANDOM.nextLong(), FakeServer.RANDOM.nextLong()), false);
                case Frame.Resume r -> opening(ctx, r.sessionId(), true);
                case Frame.Command c -> command(ctx, c);
                default -> {} // ATTENTION, GOODBYE: nothing to do for a server that answers at once
            }
        }

        private void opening(ChannelHandlerContext ctx, SessionId id, boolean resumed) {
            switch (next()) {
                case SILENT -> {}
                case SESSION_EXPIRED -> refuse(ctx, ErrorCode.SESSION_EXPIRED, "no context for session " + id);
                case ALREADY_CLAIMED ->
                    refuse(ctx, ErrorCode.ALREADY_CLAIMED, "session " + id + " was claimed elsewhere");
                case SHUTDOWN, CLOSE_MID_RESULT ->
                    ctx.writeAndFlush(new Frame.Goodbye(GoodbyeReason.SHUTDOWN, "hostile shutdown"))
                            .addListener(x -> ctx.close());
                case WELCOME_TWICE -> {
                    welcome(ctx, id, resumed);
                    welcome(ctx, id, resumed);
                }
                default -> welcome(ctx, id, resumed);
            }
        }

        private void welcome(ChannelHandlerContext ctx, SessionId id, boolean resumed) {
            session = id;
            ctx.writeAndFlush(new Frame.Welcome(
                    ProtocolVersion.CURRENT, id, ResumeToken.random(FakeServer.RANDOM), "hostile", resumed));
        }

        private void refuse(ChannelHandlerContext ctx, ErrorCode code, String text) {
            ctx.writeAndFlush(new Frame.Error(code, 0, text)).addListener(x -> ctx.close());
        }

        private void command(ChannelHandlerContext ctx, Frame.Command c) {
            int id = c.requestId();
            switch (next()) {
                case NO_ANSWER -> {}
                case WELCOME_TWICE -> {
                    welcome(ctx, session, true);
                    answer(ctx, c);
                }
                case DONE_FOR_UNKNOWN_REQUEST -> {
                    ctx.write(new Frame.Done(id + 100_000, DoneFlags.FINAL, 0));
                    answer(ctx, c);
                }
                case ROWS_FOR_UNKNOWN_REQUEST -> {
                    ctx.write(row(id + 100_000, 0, "not yours"));
                    answer(ctx, c);
                }
                case DUPLICATE_DONE -> {
                    answer(ctx, c);
                    ctx.writeAndFlush(new Frame.Done(id, DoneFlags.FINAL, 1));
                }
                case RESULT_AFTER_DONE -> {
                    answer(ctx, c);
                    ctx.write(row(id, 1, "after the end"));
                    ctx.writeAndFlush(new Frame.Message(id, dev.ferry.protocol.Severity.INFO, "after the end"));
                }
                case CLOSE_MID_RESULT -> ctx.writeAndFlush(row(id, 0, c.text())).addListener(x -> ctx.close());
                case MIGRATE_TO_NOWHERE -> migrate(ctx, id, nowhere);
                case MIGRATE_TO_PEER -> migrate(ctx, id, List.of(peer.get()));
                case SHUTDOWN, SESSION_EXPIRED, ALREADY_CLAIMED, SILENT ->
                    ctx.writeAndFlush(new Frame.Goodbye(GoodbyeReason.SHUTDOWN, "hostile shutdown"))
                            .addListener(x -> ctx.close());
                default -> answer(ctx, c);
            }
        }

        private void migrate(ChannelHandlerContext ctx, int requestId, List<String> targets) {
            ctx.write(new Frame.Deferred(requestId));
            ctx.writeAndFlush(new Frame.Migrate(migrationIds.incrementAndGet(), 0, 1_000, targets));
        }

        private void answer(ChannelHandlerContext ctx, Frame.Command c) {
            ctx.write(row(c.requestId(), 0, c.text()));
            ctx.writeAndFlush(new Frame.Done(c.requestId(), DoneFlags.FINAL, 1));
        }

        private Frame.Row row(int id, long seq, String text) {
            return new Frame.Row(id, seq, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }
}
