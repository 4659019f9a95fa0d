package dev.ferry.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where the harness finds its binaries and puts its files. Every value can be set by a system
 * property (Surefire's {@code systemPropertyVariables}) and falls back to a sensible default.
 *
 * <ul>
 *   <li>{@code ferry.kube.version} (or env {@code FERRY_KUBE_VERSION}): the Kubernetes version to
 *       run; default: what {@code scripts/control-plane.sh --print-version} says.
 *   <li>{@code ferry.repo.root}: the repository root, to find that script; default: the first
 *       parent of the working directory that has {@code scripts/control-plane.sh}.
 *   <li>{@code ferry.kubeapitest.home} (or env {@code KUBE_API_TEST_DIR}): where the script
 *       installed the binaries; default {@code ~/.kubeapitest}.
 *   <li>{@code ferry.controlplane.runDir}: certificates, kubeconfig and process logs of this run;
 *       default {@code target/control-plane}.
 *   <li>{@code ferry.controlplane.logDir}: logs saved for failed tests; default
 *       {@code target/control-plane-logs}.
 *   <li>{@code ferry.controlplane.startupTimeout}: seconds to wait for the API server; default 120.
 * </ul>
 */
public record ControlPlaneSettings(
        String kubeVersion, Path kubeApiTestHome, Path runDir, Path logDir, Duration startupTimeout) {

    static final String SCRIPT = "scripts/control-plane.sh";

    public static ControlPlaneSettings fromSystem() {
        Path cwd = Path.of("").toAbsolutePath();
        Path home = Path.of(prop("ferry.kubeapitest.home")
                .or(() -> Optional.ofNullable(System.getenv("KUBE_API_TEST_DIR")))
                .orElse(System.getProperty("user.home") + "/.kubeapitest"));
        Path runDir = Path.of(prop("ferry.controlplane.runDir")
                .orElse(cwd.resolve("target/control-plane").toString()));
        Path logDir = Path.of(prop("ferry.controlplane.logDir")
                .orElse(cwd.resolve("target/control-plane-logs").toString()));
        Duration timeout = Duration.ofSeconds(
                Long.parseLong(prop("ferry.controlplane.startupTimeout").orElse("120")));
        String version = prop("ferry.kube.version")
                .or(() ->
                        Optional.ofNullable(System.getenv("FERRY_KUBE_VERSION")).filter(s -> !s.isBlank()))
                .orElseGet(() -> versionFromScript(cwd));
        return new ControlPlaneSettings(
                version, home.toAbsolutePath(), runDir.toAbsolutePath(), logDir.toAbsolutePath(), timeout);
    }

    /** The directory the script installs into, the one kube-api-test reads in offline mode. */
    public Path binaryDir() {
        return kubeApiTestHome.resolve("k8s").resolve(kubeVersion + "-linux-amd64");
    }

    private static Optional<String> prop(String name) {
        return Optional.ofNullable(System.getProperty(name)).filter(s -> !s.isBlank());
    }

    private static String versionFromScript(Path cwd) {
        Path script = prop("ferry.repo.root")
                .map(root -> Path.of(root).resolve(SCRIPT))
                .or(() -> findUp(cwd))
                .orElseThrow(() -> new IllegalStateException(
                        "Cannot find " + SCRIPT + " above " + cwd + "; set -Dferry.kube.version or -Dferry.repo.root"));
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "--print-version")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.matches("\\d+\\.\\d+\\.\\d+")) {
                throw new IllegalStateException(script + " --print-version failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + script, e);
        }
    }

    private static Optional<Path> findUp(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(SCRIPT))) {
                return Optional.of(d.resolve(SCRIPT));
            }
        }
        return Optional.empty();
    }
}
