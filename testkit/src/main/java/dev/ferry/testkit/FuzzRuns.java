package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the inputs a Jazzer {@code @FuzzTest} executes and, in fuzzing mode, checks that it
 * executed more than its corpus: otherwise Jazzer only replayed the inputs it started from (fuzzing
 * mode silently off, or the test skipped by Jazzer) and the build would report a campaign that
 * never ran. The corpus is the checked-in inputs ({@code <TestClass>Inputs/<method>/} on the test
 * class path) plus what earlier runs generated ({@code .cifuzz-corpus/<test class>/<method>/} in the
 * module directory).
 */
public final class FuzzRuns {
    private static final Logger log = LoggerFactory.getLogger(FuzzRuns.class);

    private final Class<?> testClass;
    private final String method;
    private final AtomicLong executed = new AtomicLong();
    /** Counted when the test class initialises, before Jazzer adds to the corpus. */
    private final long seeds;

    private final long generated;

    /** Create it in a static field of the fuzz test class, so the corpus is counted before the run. */
    public FuzzRuns(Class<?> testClass, String method) {
        this.testClass = testClass;
        this.method = method;
        this.seeds = files(checkedInInputs());
        this.generated = files(Path.of(".cifuzz-corpus", testClass.getName(), method));
    }

    /** Call once per input, from the fuzz test's body. */
    public void count() {
        executed.incrementAndGet();
    }

    /** Whether Jazzer fuzzes in this JVM: the JAZZER_FUZZ environment variable as Jazzer reads it. */
    public static boolean fuzzing() {
        String env = System.getenv("JAZZER_FUZZ");
        return env != null && (env.equalsIgnoreCase("true") || env.equals("1") || env.equalsIgnoreCase("yes"));
    }

    /** After the fuzz test (in an {@code @AfterAll}): fails if fuzzing mode executed no input beyond its corpus. */
    public void assertFuzzedBeyondCorpus() {
        long inputs = executed.get();
        if (!fuzzing()) {
            log.info(
                    "{}.{}: {} inputs replayed (regression mode, JAZZER_FUZZ off)",
                    testClass.getSimpleName(),
                    method,
                    inputs);
            return;
        }
        long corpus = seeds + generated + 1; // Jazzer also runs the empty input
        log.info(
                "{}.{}: {} inputs executed in fuzzing mode; corpus at the start {} ({} checked in, {} generated earlier, the empty input)",
                testClass.getSimpleName(),
                method,
                inputs,
                corpus,
                seeds,
                generated);
        if (inputs <= corpus) {
            throw new AssertionError(
                    testClass.getSimpleName() + "." + method + " executed " + inputs
                            + " inputs in fuzzing mode, no more than its corpus of " + corpus
                            + ": Jazzer replayed inputs but did not fuzz (was the test skipped, or another @FuzzTest fuzzed in this JVM?)");
        }
    }

    private Path checkedInInputs() {
        URL url = testClass.getResource(testClass.getSimpleName() + "Inputs/" + method);
        if (url == null) return null;
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot read the inputs directory " + url, e);
        }
    }

    private static long files(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) return 0;
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
