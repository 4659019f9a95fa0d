package dev.ferry.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every scenario with the Go client's driver, built from the repository's {@code client-go/} with {@code go build}.
 * Runs only with {@code -Dferry.conformance.go=true} (off by default: it doubles the module's test time); then it
 * fails, and does not skip, when client-go/ or the Go toolchain is missing or the build fails.
 */
@EnabledIfSystemProperty(named = "ferry.conformance.go", matches = "true")
class GoClientConformanceTest {
    private static final long BUILD_MINUTES = 5;

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException, InterruptedException {
        Path module = Path.of(System.getProperty("ferry.conformance.clientGo", "../client-go"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(module.resolve("go.mod"))) {
            throw new AssertionError("the Go client is missing: no " + module.resolve("go.mod")
                    + " (client-go/ at the repository root, or -Dferry.conformance.clientGo=DIR)");
        }
        if (!Files.isDirectory(module.resolve("cmd/ferry-conformance-driver"))) {
            throw new AssertionError(
                    "the Go client has no conformance driver: no " + module.resolve("cmd/ferry-conformance-driver"));
        }
        String go = goBinary();
        Path binary = ConformanceRun.outputDirectory().toAbsolutePath().resolve("go-driver/ferry-conformance-driver");
        Files.createDirectories(binary.getParent());
        Path buildLog = binary.resolveSibling("build.log");
        ProcessBuilder build = new ProcessBuilder(
                        go, "build", "-o", binary.toString(), "./cmd/ferry-conformance-driver")
                .directory(module.toFile())
                .redirectErrorStream(true)
                .redirectOutput(buildLog.toFile());
        // Never download a toolchain: the machine's Go builds it or the test says why not.
        build.environment().put("GOTOOLCHAIN", "local");
        Process p = build.start();
        if (!p.waitFor(BUILD_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("go build did not finish within " + BUILD_MINUTES + " minutes; log: " + buildLog);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("go build of " + module + "/cmd/ferry-conformance-driver failed (exit "
                    + p.exitValue() + "):\n" + Files.readString(buildLog, StandardCharsets.UTF_8));
        }
        return ConformanceRun.tests("go", log -> DriverProcess.start(List.of(binary.toString()), log));
    }

    private static String goBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "go");
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        Path usual = Path.of("/usr/local/go/bin/go");
        if (Files.isExecutable(usual)) return usual.toString();
        throw new AssertionError("no Go toolchain: 'go' is not on the PATH nor at /usr/local/go/bin/go");
    }
}
