package dev.ferry.operator.deploy;

import dev.ferry.controlplane.ControlPlane;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The kubectl that scripts/control-plane.sh installs beside the API server, run against the harness's admin kubeconfig. */
final class Kubectl {

    record Result(int exitCode, String stdout, String stderr) {
        Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("failed (exit " + exitCode + "):\n" + stderr + "\n" + stdout);
            }
            return this;
        }
    }

    private final ControlPlane controlPlane;

    Kubectl(ControlPlane controlPlane) {
        this.controlPlane = controlPlane;
    }

    Path binary() {
        return controlPlane.settings().binaryDir().resolve("kubectl");
    }

    Result run(String... args) {
        return runWithInput(null, args);
    }

    /** Runs kubectl with {@code stdin} (may be null) from the repository root, bounded to 120 s. */
    Result runWithInput(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.add("--kubeconfig=" + controlPlane.kubeconfigFile());
        command.addAll(List.of(args));
        return runTool(command, Map.of(), stdin);
    }

    /**
     * Runs a command-line tool of the harness (kubectl, helm) from the repository root with {@code environment}
     * added and {@code stdin} (may be null) as its input, bounded to 120 s.
     */
    static Result runTool(List<String> command, Map<String, String> environment, String stdin) {
        try {
            Path out = Files.createTempFile("tool", ".out");
            Path err = Files.createTempFile("tool", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .directory(DeployFiles.repoRoot().toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                builder.environment().putAll(environment);
                Process p = builder.start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("did not finish in 120 s: " + command);
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
