package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.testkit.Waits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Configured limits are enforced: sessions per server, handshake time, idleness, slow readers. */
class LimitsTest {
    private final InMemoryContextStore store = new InMemoryContextStore();
    private FerryServer server;

    private FerryServer start(UnaryOperator<ServerOptions.Builder> options) {
        server = FerryServer.start(options.apply(ServerOptions.builder()
                        .serverName("limits")
                        .contextStore(store)
                        .handler(new CountingHandler()))
                .build());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        store.close();
    }

    @Test
    void aServerAtItsSessionLimitRefusesTheNextWithServerFull() {
        start(b -> b.maxSessions(2));
        try (WireClient a = WireClient.connect(server.localAddress());
                WireClient b = WireClient.connect(server.localAddress());
                WireClient c = WireClient.connect(server.localAddress())) {
            a.hello();
            b.hello();
            c.send(new Frame.Hello(ProtocolVersion.CURRENT, "third"));
            Frame.Error e = c.expect(Frame.Error.class);
            assertThat(e.code()).isEqualTo(ErrorCode.SERVER_FULL);
            assertThat(e.text()).contains("maximum of 2 sessions");
            assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void aConnectionThatNeverSaysHelloIsClosedAfterTheHandshakeTimeout() {
        start(b -> b.handshakeTimeout(Duration.ofMillis(300)));
        try (WireClient silent = WireClient.connect(server.localAddress())) {
            Frame.Error e = silent.expect(Frame.Error.class);
            assertThat(e.code()).isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT);
            assertThat(silent.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void anIdleSessionIsEndedButABusyOneIsNot() {
        start(b -> b.idleTimeout(Duration.ofMillis(300)));
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            // Streams for about a second while the client sends nothing: it is busy, not idle.
            c.send(new Frame.Command(1, "ROWS 100 10"));
            assertThat(c.untilFinal(1).getLast()).isEqualTo(new Frame.Done(1, 1, 100));
            Frame.Goodbye bye = c.expect(Frame.Goodbye.class);
            assertThat(bye.reason()).isEqualTo(GoodbyeReason.IDLE_TIMEOUT);
            assertThat(c.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
        await().atMost(Waits.STATE).until(() -> server.sessionCount() == 0);
    }

    @Test
    void aClientThatDoesNotReadHoldsTheStreamBackInsteadOfFillingTheServersMemory() throws Exception {
        start(b -> b);
        int rows = 300_000; // ~7 MB of frames: more than the socket buffers and the write buffer hold
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(server.localAddress());
            OutputStream out = socket.getOutputStream();
            out.write(bytes(new Frame.Hello(ProtocolVersion.CURRENT, "slow")));
            out.write(bytes(new Frame.Command(1, "ROWS " + rows)));
            out.flush();

            // The handler blocks on the unread socket: the SDK counts each wait.
            await().atMost(Duration.ofSeconds(30)).until(() -> server.metrics().backpressureWaits() > 0);

            // Now read everything: the stream resumes and ends whole.
            List<Frame> frames = readUntilDone(socket.getInputStream(), 1);
            assertThat(frames.getFirst()).isInstanceOf(Frame.Welcome.class);
            assertThat(frames.getLast()).isEqualTo(new Frame.Done(1, 1, rows));
            assertThat(frames).filteredOn(f -> f instanceof Frame.Row).hasSize(rows);
        }
    }

    private static byte[] bytes(Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        try {
            FrameEncoder.encode(frame, buf);
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } finally {
            buf.release();
        }
    }

    private static List<Frame> readUntilDone(InputStream in, int requestId) throws Exception {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH));
        List<Frame> frames = new java.util.ArrayList<>();
        byte[] chunk = new byte[64 * 1024];
        try {
            for (; ; ) {
                int n = in.read(chunk);
                if (n < 0) throw new AssertionError("connection closed before DONE; got " + frames.size() + " frames");
                decoder.writeInbound(Unpooled.copiedBuffer(chunk, 0, n));
                Frame f;
                while ((f = decoder.readInbound()) != null) {
                    frames.add(f);
                    if (f instanceof Frame.Done d && d.requestId() == requestId && d.isFinal()) return frames;
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
    }
}
