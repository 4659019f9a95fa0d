package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.testkit.FuzzRuns;
import dev.ferry.testkit.NettyLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the server's session state machine; the target, its steps
 * and its oracles are {@link SessionFuzzTarget}. {@code mvn test} replays the checked-in inputs
 * ({@code SessionCoverageFuzzTestInputs/}) and, with {@code JAZZER_FUZZ=1} (set by the module's
 * surefire configuration), fuzzes for {@code maxDuration}. The same target with write-through on is
 * {@link WriteThroughSessionCoverageFuzzTest}.
 */
class SessionCoverageFuzzTest {
    /** Fuzzing mode must run inputs beyond the corpus it starts from, or it did not fuzz. */
    private static final FuzzRuns RUNS = new FuzzRuns(SessionCoverageFuzzTest.class, "sessionKeepsItsPromises");

    @BeforeAll
    static void leakDetection() {
        NettyLeaks.install();
    }

    @AfterAll
    static void noLeaks() {
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
        RUNS.assertFuzzedBeyondCorpus();
    }

    @FuzzTest(maxDuration = "10s")
    void sessionKeepsItsPromises(FuzzedDataProvider data) {
        RUNS.count();
        SessionFuzzTarget.fuzzerTestOneInput(data);
    }
}
