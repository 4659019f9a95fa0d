package dev.ferry.operator.deploy;

import dev.ferry.controlplane.ControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        } catch (IOException e) {
            throw new AssertionError("cannot create " + home, e);
        }
        return Kubectl.runTool(
                command,
                Map.of(
                        "HELM_CACHE_HOME", home.resolve("cache").toString(),
                        "HELM_CONFIG_HOME", home.resolve("config").toString(),
                        "HELM_DATA_HOME", home.resolve("data").toString()),
                null);
    }

    /** {@code helm template ferry deploy/helm/ferry --namespace NS --include-crds} with extra arguments (e.g. --set). */
    Kubectl.Result template(String namespace, String... extra) {
        List<String> args = new ArrayList<>(
                List.of("template", "ferry", CHART.toString(), "--namespace", namespace, "--include-crds"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }
}
