package dev.ferry.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * {@link SessionFuzzTarget} with write-through on: the servers save each session's context when it
 * starts and before every final DONE, so saves interleave with migrations, cancels, drains, resumes
 * and takeovers. A separate target (not a flag read from the input) so the checked-in inputs of
 * either target keep replaying the same steps.
 *
 * <p>In the shape standalone Jazzer runs ({@code scripts/fuzz.sh --target session-write-through});
 * {@link WriteThroughSessionCoverageFuzzTest} runs it under JUnit.
 */
public final class WriteThroughSessionFuzzTarget {
    private WriteThroughSessionFuzzTarget() {}

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        SessionFuzzTarget.play(data, true);
    }
}
