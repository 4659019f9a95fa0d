package dev.ferry.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario with the Go client's driver, built from the repository's {@code client-go/} with {@code go build}.
 * It fails, and does not skip, when client-go/ or the Go toolchain is missing or the build fails. It runs beside
 * {@link JavaClientConformanceTest} (test classes run two at a time in this module: a scenario mostly waits for
 * processes and timers).
 */
class GoClientConformanceTest {
    private static final java.time.Duration BUILD = java.time.Duration.ofMinutes(5);

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException, InterruptedException {
        GoModule module = GoModule.find();
        if (!Files.isDirectory(module.dir().resolve("cmd/ferry-conformance-driver"))) {
            throw new AssertionError("the Go client has no conformance driver: no "
                    + module.dir().resolve("cmd/ferry-conformance-driver"));
        }
        Path binary = ConformanceRun.outputDirectory().toAbsolutePath().resolve("go-driver/ferry-conformance-driver");
        module.run(
                binary.resolveSibling("build.log"),
                BUILD,
                java.util.Map.of(),
                "build",
                "-o",
                binary.toString(),
                "./cmd/ferry-conformance-driver");
        return ConformanceRun.tests("go", log -> DriverProcess.start(List.of(binary.toString()), log));
    }
}
