package dev.ferry.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.testkit.FuzzRuns;
import dev.ferry.testkit.NettyLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the frame decoder with Jazzer: libFuzzer mutates the bytes towards
 * new branches of {@link FrameDecoder} and {@link WireReader}, and {@link DecoderOracle} checks
 * each input (only the decoder's own exceptions, exact re-encoding, no stall, buffers released).
 * The target and its input layout are {@link FrameDecoderFuzzTarget}.
 *
 * <p>{@code mvn test} replays the checked-in inputs ({@code FrameDecoderCoverageFuzzTestInputs/})
 * and, with {@code JAZZER_FUZZ=1} (the module's surefire sets it), fuzzes for {@code maxDuration}.
 */
class FrameDecoderCoverageFuzzTest {
    /** Fuzzing mode must run inputs beyond the corpus it starts from, or it did not fuzz. */
    private static final FuzzRuns RUNS =
            new FuzzRuns(FrameDecoderCoverageFuzzTest.class, "decoderAcceptsFramesOrFailsCleanly");

    @BeforeAll
    static void leakDetection() {
        FrameDecoderFuzzTarget.fuzzerInitialize();
    }

    @AfterAll
    static void noLeaks() {
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
        RUNS.assertFuzzedBeyondCorpus();
    }

    @FuzzTest(maxDuration = "10s")
    void decoderAcceptsFramesOrFailsCleanly(FuzzedDataProvider data) {
        RUNS.count();
        FrameDecoderFuzzTarget.fuzzerTestOneInput(data);
    }
}
