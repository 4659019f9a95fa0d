package dev.ferry.server;

import dev.ferry.protocol.Frame;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.MessageSizeEstimator;

/**
 * Tells Netty how big a {@link Frame} is before it is encoded. Handlers write frames from their
 * own threads, so frames wait in the event loop's queue as objects; Netty's default estimator
 * counts an unknown object as 8 bytes, which would let thousands of rows pile up before a channel
 * turns unwritable and back-pressure starts. Counting their real size keeps each connection's
 * buffered output near the write buffer's high-water mark.
 */
final class FrameSizeEstimator implements MessageSizeEstimator {
    static final FrameSizeEstimator INSTANCE = new FrameSizeEstimator();

    /** Header, fixed fields, and the Java objects that carry a frame until it is encoded. */
    private static final int OVERHEAD = 64;

    private final Handle handle = message -> switch (message) {
        case Frame.Row row -> OVERHEAD + row.data().length;
        case Frame.Message m -> OVERHEAD + 3 * m.text().length();
        case Frame.Error e -> OVERHEAD + 3 * e.text().length();
        case Frame f -> OVERHEAD;
        default -> DefaultMessageSizeEstimator.DEFAULT.newHandle().size(message);
    };

    private FrameSizeEstimator() {}

    @Override
    public Handle newHandle() {
        return handle;
    }
}
