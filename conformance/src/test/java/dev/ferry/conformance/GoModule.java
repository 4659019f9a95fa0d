package dev.ferry.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The repository's Go client module ({@code client-go/}, or {@code -Dferry.conformance.clientGo=DIR}) and the
 * machine's Go toolchain. Missing either is a test failure that says what is missing, never a skip.
 */
final class GoModule {
    private final Path dir;
    private final String go;

    private GoModule(Path dir, String go) {
        this.dir = dir;
        this.go = go;
    }

    static GoModule find() {
        Path module = Path.of(System.getProperty("ferry.conformance.clientGo", "../client-go"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(module.resolve("go.mod"))) {
            throw new AssertionError("the Go client is missing: no " + module.resolve("go.mod")
                    + " (client-go/ at the repository root, or -Dferry.conformance.clientGo=DIR)");
        }
        return new GoModule(module, goBinary());
    }

    Path dir() {
        return dir;
    }

    /**
     * Runs {@code go args...} in the module with {@code env} added, its output in {@code log}; fails with the output
     * when it exits non-zero or outlives {@code timeout}.
     */
    String run(Path log, Duration timeout, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(go);
        command.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Never download a toolchain: the machine's Go builds it or the test says why not.
        pb.environment().put("GOTOOLCHAIN", "local");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    "'go " + String.join(" ", args) + "' did not finish within " + timeout + "; output: " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("'go " + String.join(" ", args) + "' in " + dir + " failed (exit " + p.exitValue()
                    + "):\n" + output);
        }
        return output;
    }

    private static String goBinary() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(d, "go");
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        Path usual = Path.of("/usr/local/go/bin/go");
        if (Files.isExecutable(usual)) return usual.toString();
        throw new AssertionError("no Go toolchain: 'go' is not on the PATH nor at /usr/local/go/bin/go");
    }
}
