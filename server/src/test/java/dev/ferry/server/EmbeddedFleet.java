package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.store.InMemoryContextStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Two servers ("a" and "b") sharing an in-memory context store, whose connections are
 * {@link EmbeddedChannel}s with the real session pipeline, whose session tasks run on a
 * {@link ManualExecutor} and whose clocks (channel timers and store TTLs) only move when told.
 * Nothing runs unless the test says so, so a sequence of steps always does the same thing: what a
 * coverage-guided fuzzer needs to replay and minimise a finding.
 */
final class EmbeddedFleet implements AutoCloseable {
    static final int MAX_FRAME = 4096;
    static final MigrationTimers TIMERS = MigrationTimers.ofSeconds(5, 30);
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    /** One client connection: the server's end of it, and a decoder for what the server sends. */
    static final class Link {
        final int number;
        final ServerRuntime server;
        final EmbeddedChannel channel;
        private final EmbeddedChannel reader = new EmbeddedChannel(false, false, new FrameDecoder(MAX_FRAME));

        private Link(int number, ServerRuntime server, EmbeddedChannel channel) {
            this.number = number;
            this.server = server;
            this.channel = channel;
        }

        boolean isOpen() {
            return channel.isActive();
        }

        @Override
        public String toString() {
            return "link " + number + " to " + server.name();
        }
    }

    /** Every buffer of the fleet's channels comes from here, so a leak shows as memory still in use. */
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

    private long clockNanos = 1_000_000_000L;
    final InMemoryContextStore store = new InMemoryContextStore(() -> clockNanos);
    final ManualExecutor tasks = new ManualExecutor();
    final List<ServerRuntime> servers = new ArrayList<>();
    final List<Link> links = new ArrayList<>();
    private final BiConsumer<Link, Frame> onFrame;

    /** @param onFrame sees every frame a server sends, in order, as soon as it is written */
    EmbeddedFleet(SessionHandler handler, BiConsumer<Link, Frame> onFrame) {
        this(handler, onFrame, false);
    }

    /**
     * @param onFrame      sees every frame a server sends, in order, as soon as it is written
     * @param writeThrough whether the servers save each session's context at its start and before every final DONE
     */
    EmbeddedFleet(SessionHandler handler, BiConsumer<Link, Frame> onFrame, boolean writeThrough) {
        this.onFrame = onFrame;
        for (String name : List.of("a", "b")) {
            ServerOptions options = ServerOptions.builder()
                    .serverName(name)
                    .contextStore(store)
                    .handler(handler)
                    .timers(TIMERS)
                    .maxFrameLength(MAX_FRAME)
                    .maxSessions(3)
                    .handshakeTimeout(HANDSHAKE_TIMEOUT)
                    .idleTimeout(Duration.ZERO)
                    .writeThrough(writeThrough)
                    .build();
            servers.add(new ServerRuntime(options, new ServerMetrics(new SimpleMeterRegistry()), tasks));
        }
    }

    Link connect(ServerRuntime server) {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAllocator(alloc);
        ch.freezeTime();
        ServerChannelInitializer.addSessionHandlers(ch.pipeline(), server);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException("cannot register an embedded channel", e);
        }
        Link link = new Link(links.size(), server, ch);
        link.reader.config().setAllocator(alloc);
        try {
            link.reader.register();
        } catch (Exception e) {
            throw new IllegalStateException("cannot register an embedded channel", e);
        }
        links.add(link);
        pump(link);
        return link;
    }

    void send(Link link, Frame frame) {
        ByteBuf buf = link.channel.alloc().buffer();
        FrameEncoder.encode(frame, buf);
        sendRaw(link, buf);
    }

    void sendRaw(Link link, ByteBuf bytes) {
        link.channel.writeInbound(bytes);
        pump(link);
    }

    /** Runs the event loops and up to {@code maxTasks} session tasks, delivering frames as they are written; @return tasks run */
    int settle(int maxTasks) {
        int ran = 0;
        for (int round = 0; ; round++) {
            if (round > 100_000)
                throw new AssertionError("the fleet does not settle: " + tasks.queued() + " tasks queued");
            for (Link l : List.copyOf(links)) {
                l.channel.runPendingTasks();
                pump(l);
            }
            if (ran >= maxTasks || tasks.run(1) == 0) {
                if (links.stream().noneMatch(l -> l.channel.hasPendingTasks())) return ran;
            } else {
                ran++;
            }
        }
    }

    /** Moves every clock forward and runs what fell due. */
    void advance(Duration d) {
        clockNanos += d.toNanos();
        for (Link l : List.copyOf(links)) {
            l.channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
            l.channel.runPendingTasks();
            pump(l);
        }
    }

    /** Delivers what the servers wrote on every connection (server-side events write without a client frame). */
    void deliver() {
        for (Link l : List.copyOf(links)) pump(l);
    }

    /** Delivers what the server wrote on {@code link}; an exception that reached the pipeline's end fails the test. */
    private void pump(Link link) {
        link.channel.checkException();
        for (Object out; (out = link.channel.readOutbound()) != null; ) {
            link.reader.writeInbound(out);
            for (Object f; (f = link.reader.readInbound()) != null; ) onFrame.accept(link, (Frame) f);
        }
    }

    /** Closes every connection (as clients that vanish), settles, and releases what the channels hold. */
    @Override
    public void close() {
        for (Link l : links) {
            l.channel.close();
            pump(l);
        }
        settle(Integer.MAX_VALUE);
        for (Link l : links) {
            l.channel.finishAndReleaseAll();
            l.reader.finishAndReleaseAll();
        }
        tasks.shutdownNow();
    }

    /** Bytes of buffers the fleet's channels allocated and did not release (0 once closed, or a leak). */
    long bytesInUse() {
        return alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory();
    }
}
