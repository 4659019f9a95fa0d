package dev.ferry.protocol.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.testkit.NettyLeaks;
import java.util.List;
import java.util.Random;

/**
 * The decoder fuzz target, in the shape standalone Jazzer runs (a campaign by
 * {@code scripts/fuzz.sh}, bounded by executions); {@link FrameDecoderCoverageFuzzTest} runs the
 * same target under JUnit.
 *
 * <p>Input layout ({@link FuzzedDataProvider} takes numbers from the end, bytes from the front):
 * the stream is the leading bytes; the last 9 bytes choose the length cap and seed the
 * fragmentation, so a seed file is a valid frame stream followed by 9 bytes.
 */
public final class FrameDecoderFuzzTarget {
    private static final int[] CAPS = {64, 1024, ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH};

    private FrameDecoderFuzzTarget() {}

    public static void fuzzerInitialize() {
        NettyLeaks.install();
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        int cap = CAPS[data.consumeInt(0, CAPS.length - 1)];
        Random fragmentation = new Random(data.consumeLong());
        byte[] stream = data.consumeRemainingAsBytes();
        DecoderOracle.feed(stream, cap, fragmentation);
    }

    /** End of a campaign: a leaked ByteBuf fails it. */
    public static void fuzzerTearDown() {
        List<String> leaks = NettyLeaks.collect();
        if (!leaks.isEmpty()) throw new AssertionError("ByteBuf leaks: " + leaks);
        System.err.println("fuzz: no ByteBuf leaks reported by the paranoid leak detector");
    }
}
