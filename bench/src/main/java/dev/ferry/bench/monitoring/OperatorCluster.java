package dev.ferry.bench.monitoring;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.ControlPlaneSettings;
import dev.ferry.reference.ReferenceServer;
import dev.ferry.testkit.FreePorts;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator in the loop: a real kube-apiserver + etcd (the control-plane module), the packaged Quarkus
 * operator as its own process watching one namespace, and a stand-in for the kubelet that runs each pod the
 * operator creates as a reference-server process on a loopback address of its own (127.0.0.N, the fleet's
 * ports), with the environment the pod spec gives it, marks the pod Running and Ready at that address, and
 * stops the process when the operator deletes the pod. So the operator's drains, admin calls and pod
 * deletions are real; only the kubelet is not.
 */
final class OperatorCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperatorCluster.class);
    private static final Pattern READY = Pattern.compile("FERRY READY name=(\\S+) address=(\\S+) admin=(\\S+)");
    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    static final String NAMESPACE = "demo";

    record PodProcess(String name, String ip, String address, String adminAddress, String token, Process process) {}

    private final ControlPlane controlPlane;
    private final KubernetesClient admin;
    private final Path dir;
    private final Process operator;
    final String operatorMetrics;
    private final Watch watch;
    private final ExecutorService kubelet = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "stand-in-kubelet");
        t.setDaemon(true);
        return t;
    });
    final Map<String, PodProcess> pods = new ConcurrentHashMap<>();
    private final Consumer<Map<String, PodProcess>> podsChanged;
    private int nextIp = 11;

    private OperatorCluster(
            ControlPlane controlPlane,
            Process operator,
            String operatorMetrics,
            Path dir,
            Consumer<Map<String, PodProcess>> podsChanged) {
        this.controlPlane = controlPlane;
        this.admin = controlPlane.adminClient();
        this.operator = operator;
        this.operatorMetrics = operatorMetrics;
        this.dir = dir;
        this.podsChanged = podsChanged;
        this.watch = admin.pods().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                kubelet.execute(() -> handle(action, pod));
            }

            @Override
            public void onClose(WatcherException cause) {
                if (cause != null) log.warn("pod watch closed: {}", cause.toString());
            }
        });
    }

    /** Starts the control plane, installs the CRD, starts the operator jar and the stand-in kubelet. */
    static OperatorCluster start(
            Path repoRoot, Path operatorJar, Path dir, Consumer<Map<String, PodProcess>> podsChanged)
            throws IOException, InterruptedException {
        ControlPlane cp = ControlPlane.start(ControlPlaneSettings.fromSystem());
        try {
            KubernetesClient admin = cp.adminClient();
            try (InputStream crd = Files.newInputStream(repoRoot.resolve("crds/serverfleets.ferry.dev-v1.yml"))) {
                admin.load(crd).serverSideApply();
            }
            admin.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName("serverfleets.ferry.dev")
                    .waitUntilCondition(
                            c -> c != null
                                    && c.getStatus() != null
                                    && c.getStatus().getConditions() != null
                                    && c.getStatus().getConditions().stream()
                                            .anyMatch(k ->
                                                    "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                            60,
                            TimeUnit.SECONDS);
            admin.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(NAMESPACE)
                            .endMetadata()
                            .build())
                    .create();
            int port = FreePorts.next();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx384m");
            Map<String, String> props =
                    new LinkedHashMap<>(ControlPlane.quarkusClientProperties(cp.adminConfig(NAMESPACE)));
            props.put("quarkus.http.port", Integer.toString(port));
            props.put("quarkus.http.host", "127.0.0.1");
            props.put("quarkus.operator-sdk.controllers.serverfleet.namespaces", NAMESPACE);
            props.put("ferry.leader-election.enabled", "false");
            props.put("ferry.webhook.enabled", "false");
            props.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-jar", operatorJar.toString()));
            Path logFile = dir.resolve("operator.log");
            Process operator = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            String metrics = "127.0.0.1:" + port;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!answers("http://" + metrics + "/q/health/ready")) {
                if (!operator.isAlive() || System.nanoTime() > deadline) {
                    operator.destroyForcibly();
                    throw new IOException("the operator did not become ready: " + Files.readString(logFile));
                }
                operator.waitFor(500, TimeUnit.MILLISECONDS);
            }
            log.info("operator ready, metrics on {}", metrics);
            return new OperatorCluster(cp, operator, metrics, dir, podsChanged);
        } catch (IOException | InterruptedException | RuntimeException e) {
            cp.close();
            throw e;
        }
    }

    private static boolean answers(String url) {
        try {
            return HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void createFleet(String yaml) {
        admin.resource(admin.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class))
                .inNamespace(NAMESPACE)
                .create();
    }

    void scale(String fleet, int replicas) {
        admin.genericKubernetesResources("ferry.dev/v1alpha1", "ServerFleet")
                .inNamespace(NAMESPACE)
                .withName(fleet)
                .edit(f -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> spec =
                            (Map<String, Object>) f.getAdditionalProperties().get("spec");
                    spec.put("replicas", replicas);
                    return f;
                });
    }

    private void handle(Watcher.Action action, Pod pod) {
        String name = pod.getMetadata().getName();
        try {
            if (action == Watcher.Action.DELETED || pod.getMetadata().getDeletionTimestamp() != null) {
                PodProcess p = pods.remove(name);
                if (p != null) {
                    log.info("pod {} deleted: stopping its server", name);
                    stop(p.process());
                    podsChanged.accept(Map.copyOf(pods));
                }
                if (action != Watcher.Action.DELETED)
                    admin.pods()
                            .inNamespace(NAMESPACE)
                            .withName(name)
                            .withGracePeriod(0)
                            .delete();
                return;
            }
            if (pods.containsKey(name)) return;
            String ip = "127.0.0." + nextIp++;
            PodProcess p = run(pod, ip);
            pods.put(name, p);
            admin.pods().inNamespace(NAMESPACE).withName(name).editStatus(current -> {
                current.setStatus(new PodStatusBuilder()
                        .withPhase("Running")
                        .withPodIP(ip)
                        .addNewPodIP(ip)
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus("True")
                        .endCondition()
                        .build());
                return current;
            });
            log.info("pod {} runs at {}", name, ip);
            podsChanged.accept(Map.copyOf(pods));
        } catch (IOException | RuntimeException e) {
            log.warn("stand-in kubelet: pod {}: {}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The pod's one container as a process: its FERRY_* environment resolved as the kubelet would, bound to {@code ip}. */
    private PodProcess run(Pod pod, String ip) throws IOException, InterruptedException {
        String name = pod.getMetadata().getName();
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : pod.getSpec().getContainers().get(0).getEnv()) {
            String value;
            if (v.getValueFrom() == null) {
                value = expand(v.getValue() == null ? "" : v.getValue(), env);
            } else if (v.getValueFrom().getFieldRef() != null) {
                String path = v.getValueFrom().getFieldRef().getFieldPath();
                value = switch (path) {
                    case "status.podIP" -> ip;
                    case "metadata.name" -> name;
                    case "metadata.namespace" -> NAMESPACE;
                    default -> "";
                };
            } else if (v.getValueFrom().getSecretKeyRef() != null) {
                var ref = v.getValueFrom().getSecretKeyRef();
                Secret s = admin.secrets()
                        .inNamespace(NAMESPACE)
                        .withName(ref.getName())
                        .get();
                value = new String(Base64.getDecoder().decode(s.getData().get(ref.getKey())), StandardCharsets.UTF_8);
            } else {
                continue;
            }
            env.put(v.getName(), value);
        }
        env.put("FERRY_BIND", ip);
        Path logFile = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ReferenceServer.class.getName()))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = READY.matcher(Files.readString(logFile));
            if (m.find()) return new PodProcess(name, ip, m.group(2), m.group(3), env.get("FERRY_ADMIN_TOKEN"), p);
            p.waitFor(100, TimeUnit.MILLISECONDS);
        }
        p.destroyForcibly();
        throw new IOException(name + " did not start: " + Files.readString(logFile));
    }

    private static String expand(String value, Map<String, String> env) {
        Matcher m = VAR.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), "")));
        m.appendTail(out);
        return out.toString();
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    @Override
    public void close() {
        watch.close();
        kubelet.shutdownNow();
        stop(operator);
        for (PodProcess p : pods.values()) stop(p.process());
        pods.clear();
        controlPlane.close();
    }
}
