package dev.ferry.node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kubectl that scripts/control-plane.sh builds, run against the node cluster: tests and the demo drive
 * the cluster with the same commands a user types ({@code kubectl apply -k}, {@code scale}, {@code drain}).
 */
public final class Kubectl {

    /** What a kubectl run printed, and how it ended. */
    public record Outcome(List<String> command, int exitCode, String out, String err) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** This outcome, or an exception that quotes the command and what it printed. */
        public Outcome orThrow() {
            if (!ok()) {
                throw new IllegalStateException("`" + String.join(" ", command) + "` exited with " + exitCode + ":\n"
                        + err.strip() + (out.isBlank() ? "" : "\n" + out.strip()));
            }
            return this;
        }
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

    private final Path binary;
    private final Path kubeconfig;

    public Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** The kubectl binary. */
    public Path binary() {
        return binary;
    }

    /** Runs {@code kubectl ARGS} and fails with kubectl's own message when it does. */
    public Outcome run(String... args) {
        return attempt(null, DEFAULT_TIMEOUT, args).orThrow();
    }

    /** Runs {@code kubectl ARGS} with {@code stdin} as its input (for {@code apply -f -}). */
    public Outcome runWithInput(String stdin, String... args) {
        return attempt(stdin, DEFAULT_TIMEOUT, args).orThrow();
    }

    /** Runs {@code kubectl ARGS}, however it ends; a run longer than {@code timeout} is killed and reported. */
    public Outcome attempt(String stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return attempt(Map.of(), stdin, timeout, command);
    }

    /**
     * Runs {@code kubectl ARGS} as given (no {@code --kubeconfig}: kubectl takes no flag before a plugin's name) with
     * {@code environment} added to this process's, however it ends; a run longer than {@code timeout} is killed and
     * reported.
     */
    public Outcome attempt(Map<String, String> environment, String stdin, Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(args);
        Process p;
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            p = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "`kubectl " + String.join(" ", args) + "` did not finish within " + timeout);
            }
            return new Outcome(
                    args.size() > 1 && args.get(0).equals("--kubeconfig") ? args.subList(2, args.size()) : args,
                    p.exitValue(),
                    out.get(30, TimeUnit.SECONDS),
                    err.get(30, TimeUnit.SECONDS));
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl " + String.join(" ", args) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while kubectl ran", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (in) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "(unreadable: " + e.getMessage() + ")";
                    }
                },
                r -> Thread.ofVirtual().start(r));
    }
}
