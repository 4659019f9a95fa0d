package dev.ferry.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.testkit.NettyLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the server's session state machine; the target, its steps
 * and its oracles are {@link SessionFuzzTarget}. {@code mvn test} replays the checked-in inputs
 * ({@code SessionCoverageFuzzTestInputs/}) and, with {@code JAZZER_FUZZ=1} (set by the module's
 * surefire configuration), fuzzes for {@code maxDuration}.
 */
class SessionCoverageFuzzTest {
    @BeforeAll
    static void leakDetection() {
        NettyLeaks.install();
    }

    @AfterAll
    static void noLeaks() {
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
    }

    @FuzzTest(maxDuration = "20s")
    void sessionKeepsItsPromises(FuzzedDataProvider data) {
        SessionFuzzTarget.fuzzerTestOneInput(data);
    }
}
