package dev.ferry.operator.deploy;

import dev.ferry.controlplane.ControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The helm that scripts/control-plane.sh builds from Go modules beside kubectl, run from the repository root with
 * the harness's admin kubeconfig; a private cache, config and data directory under target/, so no user's Helm
 * settings or repositories take part.
 */
final class Helm {

    static final Path CHART = Path.of("deploy", "helm", "ferry");

    private final ControlPlane controlPlane;
    private final Path home;

    Helm(ControlPlane controlPlane) {
        this.controlPlane = controlPlane;
        this.home = DeployFiles.repoRoot().resolve("operator/target/helm-home");
    }

    Path binary() {
        Path helm = controlPlane.settings().binaryDir().resolve("helm");
        if (!Files.isExecutable(helm)) {
            throw new AssertionError(
                    "no helm at " + helm + ": run scripts/control-plane.sh (it builds helm from Go modules)");
        }
        return helm;
    }

    /** Runs helm with {@code args}, bounded to 120 s. */
    Kubectl.Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.add("--kubeconfig=" + controlPlane.kubeconfigFile());
        command.addAll(List.of(args));
        try {
            Files.createDirectories(home);
            Path out = Files.createTempFile("helm", ".out");
            Path err = Files.createTempFile("helm", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command)
                        .directory(DeployFiles.repoRoot().toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
                pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
                pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("helm did not finish in 120 s: " + command);
                }
                return new Kubectl.Result(p.exitValue(), Files.readString(out), Files.readString(err));
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

    /** {@code helm template ferry deploy/helm/ferry --namespace NS --include-crds} with extra arguments (e.g. --set). */
    Kubectl.Result template(String namespace, String... extra) {
        List<String> args = new ArrayList<>(
                List.of("template", "ferry", CHART.toString(), "--namespace", namespace, "--include-crds"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }
}
