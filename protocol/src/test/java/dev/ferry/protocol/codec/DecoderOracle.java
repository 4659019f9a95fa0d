package dev.ferry.protocol.codec;

import static dev.ferry.protocol.codec.TestFrames.encode;
import static dev.ferry.protocol.codec.TestFrames.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What a {@link FrameDecoder} must do with any byte stream, checked on one input: shared by the
 * random-mutation fuzz test (jqwik) and the coverage-guided one (Jazzer), which differ only in
 * where the bytes come from. The input goes through a fresh {@link EmbeddedChannel} in fragments
 * of random sizes and buffer kinds, and:
 * <ul>
 *   <li>the only exception is a {@link TooLongFrameException} or {@link CorruptedFrameException}
 *       raised by the decoder's own checks (no cause: nothing wrapped), with a message, at most
 *       once per channel, and the right one of the two for the bytes it failed on;</li>
 *   <li>the frames decoded re-encode to exactly the prefix of the input they came from;</li>
 *   <li>without an exception, what is left undecoded is an incomplete frame (the decoder neither
 *       stalls on a complete frame nor skips bytes);</li>
 *   <li>every buffer fed in is released.</li>
 * </ul>
 */
final class DecoderOracle {
    enum Outcome {
        CLEAN,
        INCOMPLETE,
        TOO_LONG,
        CORRUPTED
    }

    record Result(Outcome outcome, int frames, int fragments, int bytes) {}

    private DecoderOracle() {}

    /** Feeds {@code input} to a decoder capped at {@code cap}; {@code rnd} picks fragments. Throws AssertionError on a violation. */
    static Result feed(byte[] input, int cap, Random rnd) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(cap));
        List<ByteBuf> fed = new ArrayList<>();
        List<Frame> decoded = new ArrayList<>();
        Throwable failure = null;
        try {
            int at = 0;
            do {
                int n = Math.min(
                        input.length - at,
                        rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(input.length + 1));
                ByteBuf b = fragment(input, at, n, rnd);
                fed.add(b);
                at += n;
                boolean failedEarlier = failure != null;
                try {
                    ch.writeInbound(b);
                } catch (Throwable t) {
                    assertThat(failure)
                            .as("a second exception after %s", failure)
                            .isNull();
                    failure = t;
                }
                for (Object o; (o = ch.readInbound()) != null; ) {
                    // Frames before the bad one in the same fragment are delivered; none in later fragments.
                    assertThat(failedEarlier)
                            .as("frame %s decoded after the failure %s", o, failure)
                            .isFalse();
                    assertThat(o).isInstanceOf(Frame.class);
                    decoded.add((Frame) o);
                }
            } while (at < input.length);
            ch.checkException();
        } finally {
            assertThat(ch.finishAndReleaseAll())
                    .as("messages left in the channel")
                    .isFalse();
            for (ByteBuf b : fed) {
                if (b != Unpooled.EMPTY_BUFFER)
                    assertThat(b.refCnt()).as("refCnt of a fed %s", b).isZero();
            }
        }

        byte[] prefix = encode(decoded);
        assertThat(Arrays.equals(prefix, 0, prefix.length, input, 0, Math.min(prefix.length, input.length))
                        && prefix.length <= input.length)
                .as("decoded frames %s re-encode to a prefix of the input", decoded)
                .isTrue();
        byte[] rest = Arrays.copyOfRange(input, prefix.length, input.length);

        if (failure == null) {
            if (rest.length == 0) return new Result(Outcome.CLEAN, decoded.size(), fed.size(), input.length);
            if (rest.length >= 4) {
                long length = u32(rest, 0);
                assertThat(length)
                        .as("undecoded rest %s: a valid length", hex(rest))
                        .isBetween(1L, (long) cap);
                assertThat((long) rest.length)
                        .as("undecoded rest %s is incomplete", hex(rest))
                        .isLessThan(4 + length);
                if (rest.length > 4)
                    assertThat(FrameType.of(rest[4] & 0xFF))
                            .as("undecoded rest %s: known type", hex(rest))
                            .isNotNull();
            }
            return new Result(Outcome.INCOMPLETE, decoded.size(), fed.size(), input.length);
        }
        assertThat(failure).isInstanceOfAny(TooLongFrameException.class, CorruptedFrameException.class);
        assertThat(failure.getCause())
                .as("a decoder exception wrapping %s", failure.getCause())
                .isNull();
        assertThat(failure.getMessage()).isNotBlank();
        assertThat(rest.length).as("failed on an undecoded rest").isGreaterThanOrEqualTo(4);
        long length = u32(rest, 0);
        if (length > cap) {
            assertThat(failure).isInstanceOf(TooLongFrameException.class);
            return new Result(Outcome.TOO_LONG, decoded.size(), fed.size(), input.length);
        }
        assertThat(failure).isInstanceOf(CorruptedFrameException.class);
        return new Result(Outcome.CORRUPTED, decoded.size(), fed.size(), input.length);
    }

    /** A fragment in one of the buffer kinds a pipeline may see. */
    private static ByteBuf fragment(byte[] input, int at, int n, Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0 -> {
                return Unpooled.wrappedBuffer(input, at, n); // heap, unpooled, not leak-tracked
            }
            case 1 -> {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(n);
                return b.writeBytes(input, at, n);
            }
            case 2 -> {
                if (n >= 2) {
                    int half = n / 2;
                    CompositeByteBuf c = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer();
                    c.addComponent(
                            true,
                            PooledByteBufAllocator.DEFAULT.directBuffer(half).writeBytes(input, at, half));
                    c.addComponent(
                            true,
                            PooledByteBufAllocator.DEFAULT
                                    .directBuffer(n - half)
                                    .writeBytes(input, at + half, n - half));
                    return c;
                }
                return PooledByteBufAllocator.DEFAULT
                        .directBuffer(Math.max(1, n))
                        .writeBytes(input, at, n);
            }
            default -> {
                return PooledByteBufAllocator.DEFAULT
                        .directBuffer(Math.max(1, n))
                        .writeBytes(input, at, n);
            }
        }
    }

    static long u32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }
}
