package dev.ferry.bench;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.reference.ReferenceHandler;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.store.InMemoryContextStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a server holds while clients stop reading: N connections each start a long STREAM and
 * never read it. Heap and direct memory are measured next to the same N sessions idle (the
 * baseline), so the difference is what the unread streams cost. Back-pressure bounds it: each
 * handler blocks once its connection's write buffer passes the high-water mark.
 */
@Command(
        name = "slow-readers",
        mixinStandardHelpOptions = true,
        description = "Server memory while N clients stream without reading, next to N idle sessions.")
final class SlowReadersBenchmark implements Callable<Integer> {
    @Option(names = "--clients", defaultValue = "1000", description = "connections (default ${DEFAULT-VALUE})")
    int clients;

    @Option(
            names = "--rows",
            defaultValue = "1000000",
            description = "rows each STREAM asks for (default ${DEFAULT-VALUE})")
    int rows;

    @picocli.CommandLine.Mixin
    ResultOptions result = new ResultOptions();

    @Override
    public Integer call() throws Exception {
        double[] loadBefore = dev.ferry.bench.report.Measures.loadAverage();
        String at = dev.ferry.bench.report.Measures.now();
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (InMemoryContextStore store = new InMemoryContextStore();
                FerryServer server = FerryServer.start(ServerOptions.builder()
                        .serverName("slow")
                        .contextStore(store)
                        .handler(new ReferenceHandler("slow"))
                        .build())) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(server.localAddress());
                    s.getOutputStream().write(bytes(new Frame.Hello(ProtocolVersion.CURRENT, "slow-" + i)));
                    sockets.add(s);
                }
                while (server.sessionCount() < clients) Thread.sleep(10); // sessions open asynchronously
                long[] idle = measure(memory);

                for (Socket s : sockets) {
                    OutputStream out = s.getOutputStream();
                    out.write(bytes(new Frame.Command(1, "STREAM " + rows)));
                    out.flush();
                }
                // Every stream blocks once its buffers are full; wait until the waits stop growing.
                long last = -1;
                long waits = server.metrics().backpressureWaits();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (waits != last && System.nanoTime() < deadline) {
                    last = waits;
                    Thread.sleep(1000); // a benchmark samples; tests wait on events
                    waits = server.metrics().backpressureWaits();
                }
                long[] streaming = measure(memory);

                System.out.println();
                System.out.println(
                        "| state | clients | heap used MiB | Netty direct MiB | per client KiB (heap + direct) |");
                System.out.println("|---|---|---|---|---|");
                row("baseline: idle sessions", idle);
                row("streaming, nobody reading", streaming);
                System.out.printf(
                        Locale.ROOT,
                        "%nunread streams cost %.1f KiB per client; back-pressure waits: %d; "
                                + "bound by design: write buffer high-water mark 64 KiB + one frame per connection%n",
                        ((streaming[0] + streaming[1]) - (idle[0] + idle[1])) / 1024.0 / clients,
                        waits);
                result.write(result(idle, streaming, waits, loadBefore, at));
            } finally {
                for (Socket s : sockets) s.close();
            }
        }
        return 0;
    }

    private dev.ferry.bench.report.BenchResult result(
            long[] idle, long[] streaming, long waits, double[] loadBefore, String at) {
        double perIdle = (idle[0] + idle[1]) / 1024.0 / clients;
        double perStreaming = (streaming[0] + streaming[1]) / 1024.0 / clients;
        var figures = List.of(
                dev.ferry.bench.report.Measures.figure(
                        "heap used after GC",
                        "MiB",
                        round(streaming[0] / 1048576.0),
                        round(idle[0] / 1048576.0),
                        null,
                        null),
                dev.ferry.bench.report.Measures.figure(
                        "Netty direct memory",
                        "MiB",
                        round(streaming[1] / 1048576.0),
                        round(idle[1] / 1048576.0),
                        null,
                        null),
                dev.ferry.bench.report.Measures.figure(
                        "per client (heap + direct)", "KiB", round(perStreaming), round(perIdle), null, null),
                dev.ferry.bench.report.Measures.figure(
                        "added by an unread stream", "KiB per client", round(perStreaming - perIdle), null, null, null),
                dev.ferry.bench.report.Measures.figure(
                        "back-pressure waits", "waits", (double) waits, null, null, null));
        return new dev.ferry.bench.report.BenchResult(
                "slow-readers",
                "Slow readers: " + clients + " clients stream and never read",
                at,
                result.command(),
                dev.ferry.bench.report.Measures.machine(loadBefore),
                "the same " + clients + " sessions idle",
                figures,
                List.of(),
                List.of(
                        "One reference server in this JVM (in-memory store); each of " + clients
                                + " sockets (receive buffer 4 KiB) sends HELLO and "
                                + "`STREAM " + rows
                                + "` and never reads. Heap is measured after a full GC; direct memory is what Netty's pooled "
                                + "allocator holds, which it takes in whole chunks.",
                        "Handlers block once a connection's write buffer passes its high-water mark (64 KiB by default, "
                                + "ServerOptions.writeBufferWaterMarks), so the cost per unread stream is bounded whatever the row count."));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private void row(String name, long[] m) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.1f | %.1f | %.1f |%n",
                name,
                clients,
                m[0] / 1048576.0,
                m[1] / 1048576.0,
                (m[0] + m[1]) / 1024.0 / clients);
    }

    /** Heap after a full GC, and the direct memory Netty's pooled allocator holds. */
    private static long[] measure(MemoryMXBean memory) {
        System.gc();
        long direct = ByteBufAllocator.DEFAULT instanceof PooledByteBufAllocator pooled
                ? pooled.metric().usedDirectMemory()
                : -1;
        return new long[] {memory.getHeapMemoryUsage().getUsed(), direct};
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
}
