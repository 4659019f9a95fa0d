package dev.ferry.testkit;

import static org.awaitility.Awaitility.await;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the leak reports of Netty's ByteBuf leak detector (paranoid in surefire), so a test fails
 * on a leak instead of only logging "LEAK:". {@link #collect()} first leaks a marked canary buffer
 * and waits until the detector reports it: that proves the detector runs and that a full GC has
 * happened since the code under test dropped its buffers.
 *
 * <p>Tests must not keep references to buffers they released: a pooled buffer object is recycled,
 * and a stale reference to it keeps the canary (or a real leak) reachable, so it is never reported.
 */
public final class NettyLeaks {
    private static final String CANARY = "ferry-leak-canary";
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean CANARY_SEEN = new AtomicBoolean();
    private static boolean installed;

    private NettyLeaks() {}

    public static synchronized void install() {
        if (installed) return;
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        try {
            // The detector every leak-aware ByteBuf reports to; created when AbstractByteBuf loads,
            // so it may predate this class: hook it with a listener rather than replacing it.
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) f.get(null);
            detector.setLeakListener((type, records) -> {
                if (records.contains(CANARY)) CANARY_SEEN.set(true);
                else LEAKS.add(type + "\n" + records);
            });
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot hook the ByteBuf leak detector", e);
        }
        installed = true;
    }

    /** Forces leak detection to run and returns the leaks (other than the canary) reported so far. */
    public static List<String> collect() {
        install();
        CANARY_SEEN.set(false);
        leakCanary();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    System.gc();
                    // Paranoid detection drains its reference queue on every tracked allocation.
                    for (int i = 0; i < 16; i++)
                        PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
                    return CANARY_SEEN.get();
                });
        return List.copyOf(LEAKS);
    }

    private static void leakCanary() {
        ByteBuf canary = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        canary.touch(CANARY + "-" + System.nanoTime());
        canary.writeLong(42); // and drop it
    }
}
