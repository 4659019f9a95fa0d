package dev.ferry.protocol.codec;

import static dev.ferry.protocol.codec.TestFrames.hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.testkit.NettyLeaks;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Decoder fuzz: {@value #TRIES} × {@value #INPUTS_PER_TRY} inputs — random bytes and mutated
 * streams of valid frames (bit flips, byte overwrites, truncation, length-field tampering,
 * splicing, insertion, duplication) — each checked by {@link DecoderOracle} (exceptions, re-encoding,
 * no stall, buffers released); at the end the leak detector must have reported nothing.
 * A failing try prints its seed; jqwik replays it.
 */
class FrameDecoderFuzzTest {
    static final int TRIES = 1_000;
    static final int INPUTS_PER_TRY = 120;

    private static final AtomicLong INPUTS = new AtomicLong();
    private static final AtomicLong BYTES = new AtomicLong();
    private static final AtomicLong FRAGMENTS = new AtomicLong();
    private static final AtomicLong FRAMES = new AtomicLong();
    private static final AtomicLong TOO_LONG = new AtomicLong();
    private static final AtomicLong CORRUPTED = new AtomicLong();
    private static final AtomicLong INCOMPLETE = new AtomicLong();
    private static final AtomicLong CLEAN = new AtomicLong();
    private static long startedNanos;

    @BeforeContainer
    static void start() {
        NettyLeaks.install();
        startedNanos = System.nanoTime();
    }

    @AfterContainer
    static void report() {
        long ms = (System.nanoTime() - startedNanos) / 1_000_000;
        System.out.printf(
                "decoder fuzz: %,d inputs (%,d bytes in %,d fragments) in %,d ms: %,d frames decoded; "
                        + "outcomes: %,d TooLongFrame, %,d CorruptedFrame, %,d clean, %,d ended inside a frame%n",
                INPUTS.get(),
                BYTES.get(),
                FRAGMENTS.get(),
                ms,
                FRAMES.get(),
                TOO_LONG.get(),
                CORRUPTED.get(),
                CLEAN.get(),
                INCOMPLETE.get());
        assertThat(INPUTS.get()).as("fuzz inputs").isGreaterThanOrEqualTo(100_000);
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
    }

    @Provide
    Arbitrary<List<Frame>> seedFrames() {
        return FrameArbitraries.frame().list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void decoderFailsOnlyWithDecoderExceptions(@ForAll("seedFrames") List<Frame> frames, @ForAll long seed) {
        Random rnd = new Random(seed);
        List<byte[]> encoded = frames.stream().map(TestFrames::encode).toList();
        for (int i = 0; i < INPUTS_PER_TRY; i++) {
            byte[] input = input(rnd, encoded);
            int cap = switch (rnd.nextInt(8)) {
                case 0 -> 64;
                case 1 -> 1024;
                default -> ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH;
            };
            try {
                count(DecoderOracle.feed(input, cap, rnd));
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " input " + i + " cap " + cap + ": " + hex(input), e);
            }
        }
    }

    // ------------------------------------------------------------------ inputs

    private static byte[] input(Random rnd, List<byte[]> frames) {
        int kind = rnd.nextInt(10);
        if (kind == 0) return randomBytes(rnd, rnd.nextInt(64));
        if (kind == 1) return plausibleGarbage(rnd);
        byte[] b = concat(frames);
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) b = mutate(rnd, b, frames);
        return b;
    }

    /** Random bytes behind a believable header (small length, a type that mostly exists). */
    private static byte[] plausibleGarbage(Random rnd) {
        int n = rnd.nextInt(80);
        byte[] b = randomBytes(rnd, 5 + n);
        int length = rnd.nextInt(4) == 0 ? rnd.nextInt(200) : 1 + n;
        b[0] = 0;
        b[1] = 0;
        b[2] = (byte) (length >> 8);
        b[3] = (byte) length;
        b[4] = (byte) rnd.nextInt(16);
        return b;
    }

    private static byte[] mutate(Random rnd, byte[] b, List<byte[]> frames) {
        if (b.length == 0) return randomBytes(rnd, 1 + rnd.nextInt(8));
        b = b.clone();
        switch (rnd.nextInt(9)) {
            case 0 -> { // bit flips
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 1 -> { // interesting byte values
                byte[] values = {0, 1, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF, 0x10, 0x11};
                for (int k = 1 + rnd.nextInt(3); k > 0; k--)
                    b[rnd.nextInt(b.length)] = values[rnd.nextInt(values.length)];
            }
            case 2 -> { // truncation
                return Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 3 -> { // tamper with the first frame's length field
                if (b.length < 4) return b;
                long v = switch (rnd.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> 0xFFFF_FFFFL;
                    case 2 -> ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH + rnd.nextInt(2);
                    case 3 -> Math.max(0, u32(b, 0) + rnd.nextInt(9) - 4);
                    case 4 -> rnd.nextInt(70);
                    default -> rnd.nextLong() & 0xFFFF_FFFFL;
                };
                putU32(b, 0, v);
            }
            case 4 -> { // shrink one frame's payload and patch the length to match: a well-framed short payload
                byte[] f = frames.get(rnd.nextInt(frames.size()));
                if (f.length <= 5) return b;
                int cut = 5 + rnd.nextInt(f.length - 5);
                byte[] g = Arrays.copyOf(f, cut);
                putU32(g, 0, cut - 4);
                return concat(List.of(g, b));
            }
            case 5 -> { // append junk to one frame and patch the length: trailing bytes
                byte[] f = frames.get(rnd.nextInt(frames.size()));
                byte[] g = concat(List.of(f, randomBytes(rnd, 1 + rnd.nextInt(6))));
                putU32(g, 0, g.length - 4);
                return concat(List.of(g, b));
            }
            case 6 -> { // splice: head of one frame, tail of another
                byte[] x = frames.get(rnd.nextInt(frames.size())), y = frames.get(rnd.nextInt(frames.size()));
                int i = rnd.nextInt(x.length + 1), j = rnd.nextInt(y.length + 1);
                return concat(List.of(Arrays.copyOf(x, i), Arrays.copyOfRange(y, j, y.length), b));
            }
            case 7 -> { // insert random bytes
                int at = rnd.nextInt(b.length + 1);
                return concat(List.of(
                        Arrays.copyOf(b, at),
                        randomBytes(rnd, 1 + rnd.nextInt(8)),
                        Arrays.copyOfRange(b, at, b.length)));
            }
            default -> { // duplicate or delete a range
                int i = rnd.nextInt(b.length), j = i + rnd.nextInt(b.length - i + 1);
                return rnd.nextBoolean()
                        ? concat(List.of(Arrays.copyOf(b, j), Arrays.copyOfRange(b, i, b.length)))
                        : concat(List.of(Arrays.copyOf(b, i), Arrays.copyOfRange(b, j, b.length)));
            }
        }
        return b;
    }

    private static void count(DecoderOracle.Result r) {
        INPUTS.incrementAndGet();
        BYTES.addAndGet(r.bytes());
        FRAGMENTS.addAndGet(r.fragments());
        FRAMES.addAndGet(r.frames());
        (switch (r.outcome()) {
                    case CLEAN -> CLEAN;
                    case INCOMPLETE -> INCOMPLETE;
                    case TOO_LONG -> TOO_LONG;
                    case CORRUPTED -> CORRUPTED;
                })
                .incrementAndGet();
    }

    // ------------------------------------------------------------------ bytes

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static long u32(byte[] b, int at) {
        return DecoderOracle.u32(b, at);
    }

    private static void putU32(byte[] b, int at, long v) {
        b[at] = (byte) (v >> 24);
        b[at + 1] = (byte) (v >> 16);
        b[at + 2] = (byte) (v >> 8);
        b[at + 3] = (byte) v;
    }
}
