package dev.ferry.node;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes cluster that {@code scripts/node.sh up} runs on this machine, seen from inside its network
 * namespace (where Service and pod addresses route): a Fabric8 client with the admin kubeconfig, kubectl, and
 * the steps a user takes to install Ferry on it.
 */
public final class NodeCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeCluster.class);

    /** Where {@code kubectl apply -k deploy/} puts the operator and Redis. */
    public static final String FERRY_NAMESPACE = "ferry-system";

    public static final String OPERATOR = "ferry-operator";
    public static final String REDIS = "ferry-redis";
    /** The context store URI fleets use (deploy/redis.yaml's Service). */
    public static final String STORE_URI = "redis://ferry-redis.ferry-system:6379";

    private final Path repo;
    private final Path bin;
    private final Path kubeconfig;
    private final Kubectl kubectl;
    private final KubernetesClient client;

    private NodeCluster(Path repo, Path bin, Path kubeconfig, Kubectl kubectl, KubernetesClient client) {
        this.repo = repo;
        this.bin = bin;
        this.kubeconfig = kubeconfig;
        this.kubectl = kubectl;
        this.client = client;
    }

    /** Connects with {@code $KUBECONFIG} (scripts/node.sh's admin kubeconfig unless set). */
    public static NodeCluster connect() {
        Path repo = repoRoot();
        Path kubeconfig = Path.of(env("KUBECONFIG", "/var/lib/ferry-node/admin.kubeconfig"));
        if (!Files.isReadable(kubeconfig)) {
            throw new IllegalStateException(
                    "no cluster to use: " + kubeconfig + " does not exist; start one with scripts/node.sh up");
        }
        Path bin = Path.of(env("FERRY_NODE_BIN", controlPlaneDir(repo)));
        try {
            Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
            config.setRequestTimeout(30_000);
            KubernetesClient client =
                    new KubernetesClientBuilder().withConfig(config).build();
            return new NodeCluster(repo, bin, kubeconfig, new Kubectl(bin.resolve("kubectl"), kubeconfig), client);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + kubeconfig + ": " + e.getMessage(), e);
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public Kubectl kubectl() {
        return kubectl;
    }

    public Path repo() {
        return repo;
    }

    /**
     * The helm that scripts/control-plane.sh builds beside kubectl, run like kubectl ({@code --kubeconfig} first, the
     * same outcomes); {@code helm install/upgrade/uninstall} of deploy/helm/ferry.
     */
    public Kubectl helm() {
        Path helm = bin.resolve("helm");
        if (!Files.isExecutable(helm)) {
            throw new IllegalStateException("no helm at " + helm + ": run scripts/control-plane.sh (it builds helm)");
        }
        return new Kubectl(helm, kubeconfig);
    }

    /** The nodes' names, sorted. */
    public List<String> nodes() {
        return client.nodes().list().getItems().stream()
                .map(n -> n.getMetadata().getName())
                .sorted()
                .toList();
    }

    /**
     * Installs Ferry as the README says ({@code kubectl apply --server-side -k deploy/}) and waits until the
     * operator's two replicas and Redis are available. Applying again is harmless.
     */
    public void installFerry(Duration timeout) {
        long t0 = System.nanoTime();
        kubectl.run(
                "apply",
                "--server-side",
                "--force-conflicts",
                "-k",
                repo.resolve("deploy").toString());
        awaitAvailable(FERRY_NAMESPACE, OPERATOR, 2, timeout);
        awaitAvailable(FERRY_NAMESPACE, REDIS, 1, timeout);
        log.info(
                "Ferry installed by kubectl apply -k deploy/: operator 2/2 and Redis available after {} ms",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Waits until {@code namespace/name} has {@code replicas} available, updated replicas. */
    public void awaitAvailable(String namespace, String name, int replicas, Duration timeout) {
        await("deployment " + namespace + "/" + name + " available with " + replicas + " replicas", timeout, () -> {
            Deployment d = client.apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            return d != null
                    && d.getStatus() != null
                    && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                    && Integer.valueOf(replicas).equals(d.getStatus().getAvailableReplicas())
                    && Integer.valueOf(replicas).equals(d.getStatus().getUpdatedReplicas())
                    && Integer.valueOf(replicas).equals(d.getStatus().getReplicas());
        });
    }

    /** A new namespace named {@code prefix-xxxxx}. */
    public String createNamespace(String prefix) {
        String name = prefix.toLowerCase(Locale.ROOT) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36, 36 * 36 * 36 * 36), 36);
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .addToLabels("app.kubernetes.io/part-of", "ferry-node-tests")
                        .endMetadata()
                        .build())
                .create();
        return name;
    }

    /** Deletes a namespace and whatever runs in it, without waiting for the pods' grace periods. */
    public void deleteNamespace(String name) {
        kubectl.attempt(
                null,
                Duration.ofMinutes(2),
                "delete",
                "pods",
                "--all",
                "-n",
                name,
                "--grace-period=0",
                "--force",
                "--wait=false");
        client.namespaces().withName(name).delete();
    }

    /**
     * Copies {@code image} from Podman into every node's containerd ({@code scripts/node.sh import}), so pods
     * that ask for it with IfNotPresent find it.
     */
    public void importImage(String image) {
        run(Duration.ofMinutes(5), repo.resolve("scripts/node.sh").toString(), "import", image);
    }

    /** Runs a command of this machine (podman, the project's scripts), failing with its output when it fails. */
    public static String run(Duration timeout, String... command) {
        try {
            Path output = Files.createTempFile("ferry-node-cmd", ".log");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                p.getOutputStream().close();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + ": not done after " + timeout);
                }
                String text = Files.readString(output, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(
                            String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + text.strip());
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Polls {@code condition} every 200 ms until it holds; fails after {@code timeout} naming what it waited for. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) return;
                last = null;
            } catch (RuntimeException e) {
                last = e; // the API server may be briefly unreachable while a pod restarts
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private static String controlPlaneDir(Path repo) {
        return run(
                        Duration.ofMinutes(1),
                        repo.resolve("scripts/control-plane.sh").toString(),
                        "--print-dir")
                .strip();
    }

    private static Path repoRoot() {
        String p = System.getProperty("ferry.repo.root");
        Path start = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/node.sh"))) return dir;
        }
        throw new IllegalStateException(
                "cannot find the repository (scripts/node.sh) from " + start + "; set -Dferry.repo.root");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
