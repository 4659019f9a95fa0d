package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.testkit.FuzzRuns;
import dev.ferry.testkit.NettyLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link SessionCoverageFuzzTest} with write-through on ({@link WriteThroughSessionFuzzTarget}).
 * Its own class, run by its own surefire execution (server/pom.xml): Jazzer fuzzes only the first
 * {@code @FuzzTest} of a JVM and skips the others, so sharing a JVM with the other session fuzz
 * test would leave one of them not fuzzed. Its inputs ({@code WriteThroughSessionCoverageFuzzTestInputs/})
 * start as the other target's.
 */
class WriteThroughSessionCoverageFuzzTest {
    /** Fuzzing mode must run inputs beyond the corpus it starts from, or it did not fuzz. */
    private static final FuzzRuns RUNS =
            new FuzzRuns(WriteThroughSessionCoverageFuzzTest.class, "sessionWithWriteThroughKeepsItsPromises");

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
    void sessionWithWriteThroughKeepsItsPromises(FuzzedDataProvider data) {
        RUNS.count();
        WriteThroughSessionFuzzTarget.fuzzerTestOneInput(data);
    }
}
