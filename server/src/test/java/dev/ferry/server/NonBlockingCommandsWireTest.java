package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.testkit.Waits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Commands the handler declares non-blocking ({@link SessionHandler#isNonBlocking}), over real TCP:
 * where they run, that they keep their turn behind a command still running, and that a handler
 * breaking the promise gets an error that says what to fix instead of a stalled I/O thread.
 */
class NonBlockingCommandsWireTest {
    private final InMemoryContextStore store = new InMemoryContextStore();
    private final Recorder handler = new Recorder();
    private FerryServer server;

    /**
     * {@code QUICK v} (non-blocking) and {@code SLOW v} (blocking, waits for {@link #release}) keep v as
     * the session's value and answer it; {@code QUICKPAUSE} is declared non-blocking but pauses;
     * {@code QUICKROWS n} sends n rows of 1 KiB. Each records the thread it ran on.
     */
    private static final class Recorder implements SessionHandler {
        final Map<String, Thread> ranOn = new ConcurrentHashMap<>();
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch slowStarted = new CountDownLatch(1);
        final CountDownLatch rowsReturned = new CountDownLatch(1);
        volatile boolean declarationThrows;

        @Override
        public boolean isNonBlocking(String command) {
            if (declarationThrows) throw new IllegalArgumentException("cannot tell");
            return command.startsWith("QUICK");
        }

        @Override
        public void onCommand(Session session, Request request) throws Exception {
            ranOn.put(request.command(), Thread.currentThread());
            String[] w = request.command().split(" ");
            switch (w[0]) {
                case "SLOW" -> {
                    slowStarted.countDown();
                    if (!release.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                        throw new IllegalStateException("never released");
                    answer(session, request, w[1]);
                }
                case "QUICK", "BLOCKING" -> answer(session, request, w[1]);
                case "QUICKPAUSE" -> {
                    request.pause(Duration.ofMillis(1));
                    request.done();
                }
                case "QUICKROWS" -> {
                    byte[] row = new byte[1024];
                    for (int i = 0; i < Integer.parseInt(w[1]); i++) request.row(row);
                    request.done();
                    rowsReturned.countDown();
                }
                default -> request.fail("unknown " + w[0]);
            }
        }

        private static void answer(Session session, Request request, String value) {
            String before = session.context().getString("v");
            session.context().putString("v", value);
            request.row(before == null ? "-" : before);
            request.done();
        }

        @Override
        public void onMigrateResume(Session session, Request request) {
            request.done();
        }
    }

    private FerryServer start(boolean writeThrough) {
        server = FerryServer.start(ServerOptions.builder()
                .serverName("nb")
                .contextStore(store)
                .handler(handler)
                .writeThrough(writeThrough)
                .build());
        return server;
    }

    @AfterEach
    void stop() {
        handler.release.countDown();
        if (server != null) server.close();
        store.close();
    }

    /** One row, {@code value}, then the final DONE. */
    private static void assertAnswered(List<Frame> frames, int requestId, String value) {
        assertThat(frames).hasSize(2);
        assertThat(new String(((Frame.Row) frames.getFirst()).data(), StandardCharsets.UTF_8))
                .isEqualTo(value);
        assertThat(frames.getLast()).isEqualTo(new Frame.Done(requestId, DoneFlags.FINAL, 1));
    }

    @Test
    void aNonBlockingCommandOfAnIdleSessionRunsOnTheConnectionsIoThreadAndABlockingOneOnAVirtualThread() {
        start(false);
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "QUICK a"));
            assertAnswered(c.untilFinal(1), 1, "-");
            handler.release.countDown();
            c.send(new Frame.Command(2, "SLOW b"));
            assertAnswered(c.untilFinal(2), 2, "a");
        }
        Thread quick = handler.ranOn.get("QUICK a");
        assertThat(quick.isVirtual()).isFalse();
        assertThat(quick.getName()).startsWith("ferry-io-nb");
        assertThat(handler.ranOn.get("SLOW b").isVirtual()).isTrue();
    }

    @Test
    void nonBlockingCommandsPipelinedBehindARunningOneWaitsTheirTurn() throws Exception {
        start(false);
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "SLOW a"));
            assertThat(handler.slowStarted.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
            c.send(new Frame.Command(2, "QUICK b"));
            c.send(new Frame.Command(3, "QUICK c"));
            // Each answers the value before its own: had a QUICK run ahead of SLOW a, which still waits, the
            // answers would not chain - -> a -> b.
            handler.release.countDown();
            assertAnswered(c.untilFinal(1), 1, "-");
            assertAnswered(c.untilFinal(2), 2, "a");
            assertAnswered(c.untilFinal(3), 3, "b");
        }
        // Which thread ran QUICK b depends on whether it was read before SLOW a ended; SerialExecutorTest pins
        // down both cases.
    }

    /**
     * A blocking command's answer is written from its own thread and waits in the event loop's queue;
     * a non-blocking command read meanwhile must not answer before it. Many rounds, as the window is a
     * thread on the other core finishing between two reads of the event loop.
     */
    @Test
    void answersKeepTheirOrderWhenBlockingAndNonBlockingCommandsAlternate() {
        start(false);
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            String before = "-";
            for (int round = 0; round < 300; round++) {
                int blocking = 2 * round + 1;
                c.send(new Frame.Command(blocking, "BLOCKING b" + round));
                c.send(new Frame.Command(blocking + 1, "QUICK q" + round));
                List<Frame> frames = c.untilFinal(blocking + 1);
                assertThat(frames).hasSize(4);
                assertAnswered(frames.subList(0, 2), blocking, before);
                assertAnswered(frames.subList(2, 4), blocking + 1, "b" + round);
                before = "q" + round;
            }
        }
    }

    @Test
    void pauseInACommandDeclaredNonBlockingFailsItWithAnErrorThatSaysWhatToFix() {
        start(false);
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "QUICKPAUSE"));
            List<Frame> answer = c.untilFinal(1);
            assertThat(answer.getLast()).isEqualTo(new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ERROR, 0));
            assertThat(((Frame.Message) answer.getFirst()).text())
                    .contains("pause() blocks", "'QUICKPAUSE' non-blocking", "declare it blocking");
            // The I/O thread was not held: the session goes on.
            c.send(new Frame.Command(2, "QUICK a"));
            assertThat(c.untilFinal(2).getLast()).isEqualTo(new Frame.Done(2, DoneFlags.FINAL, 1));
        }
    }

    @Test
    void withWriteThroughEveryCommandRunsOnAVirtualThreadAsItsSaveWaitsForTheStore() {
        start(true);
        assertThat(threadThatRanQuick().isVirtual()).isTrue();
    }

    @Test
    void aDeclarationThatThrowsRunsTheCommandOnAVirtualThread() {
        start(false);
        handler.declarationThrows = true;
        assertThat(threadThatRanQuick().isVirtual()).isTrue();
    }

    /** Runs {@code QUICK a} on a new session; @return the thread it ran on */
    private Thread threadThatRanQuick() {
        try (WireClient c = WireClient.connect(server.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "QUICK a"));
            assertAnswered(c.untilFinal(1), 1, "-");
        }
        return handler.ranOn.get("QUICK a");
    }

    @Test
    void rowsOfANonBlockingCommandToAClientThatDoesNotReadAreBufferedInsteadOfStallingTheIoThread() throws Exception {
        start(false);
        // 16 MiB of rows: far beyond the socket buffers and the channel's high-water mark, so a row that waited
        // for the client to read would wait forever on the very thread that must write them out.
        try (Socket raw = new Socket(
                server.localAddress().getAddress(), server.localAddress().getPort())) {
            OutputStream out = raw.getOutputStream();
            out.write(encode(new Frame.Hello(ProtocolVersion.CURRENT, "nb-test")));
            out.write(encode(new Frame.Command(1, "QUICKROWS 16384")));
            out.flush();
            assertThat(handler.rowsReturned.await(Waits.STATE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
            // The I/O thread still serves other connections meanwhile.
            try (WireClient other = WireClient.connect(server.localAddress())) {
                other.hello();
                other.send(new Frame.Command(1, "QUICK z"));
                assertThat(other.untilFinal(1).getLast()).isEqualTo(new Frame.Done(1, DoneFlags.FINAL, 1));
            }
        }
        await().atMost(Waits.STATE).until(() -> server.sessionCount() == 0);
    }

    private static byte[] encode(Frame frame) {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(frame);
        ByteBuf buf = ch.readOutbound();
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
            ch.finishAndReleaseAll();
        }
    }
}
