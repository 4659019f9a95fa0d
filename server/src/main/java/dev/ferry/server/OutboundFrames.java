package dev.ferry.server;

import dev.ferry.protocol.Frame;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.MessageSizeEstimator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames a session writes, from any thread, reaching the client in call order. A frame written
 * off the event loop joins a queue that one task hands to the channel, with one flush for every
 * frame that came meanwhile: a pipelined burst of commands answered from a session's thread costs
 * the event loop one task instead of a task and a flush per row and DONE. On the event loop, what is
 * queued goes out at once, ahead of the frame, so a close that follows finds them all written.
 *
 * <p>Queued frames count against the channel's write buffer like written ones ({@link #backlogged}),
 * so a handler streaming rows still waits for a slow reader.
 */
final class OutboundFrames {
    private static final MessageSizeEstimator.Handle SIZE = FrameSizeEstimator.INSTANCE.newHandle();

    private final Channel channel;
    private final Runnable drained;
    private final Queue<Frame> frames = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();

    /** @param drained told when queued frames reached the channel (writers waiting for room look again) */
    OutboundFrames(Channel channel, Runnable drained) {
        this.channel = channel;
        this.drained = drained;
    }

    /** @return false if the connection is gone (the frame is dropped) */
    boolean write(Frame frame) {
        if (!channel.isActive()) return false;
        queuedBytes.addAndGet(SIZE.size(frame));
        frames.add(frame);
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) writeQueued();
        else if (scheduled.compareAndSet(false, true)) loop.execute(this::writeScheduled);
        return true;
    }

    /** Whether the frames waiting for the event loop alone fill the channel's write buffer. */
    boolean backlogged() {
        return queuedBytes.get() > channel.config().getWriteBufferHighWaterMark();
    }

    private void writeScheduled() {
        // Cleared before the queue is read: a frame added from here on schedules a task of its own.
        scheduled.set(false);
        writeQueued();
    }

    private void writeQueued() {
        long bytes = 0;
        for (Frame f; (f = frames.poll()) != null; ) {
            channel.write(f, channel.voidPromise());
            bytes += SIZE.size(f);
        }
        if (bytes == 0) return;
        channel.flush();
        queuedBytes.addAndGet(-bytes);
        drained.run();
    }
}
