package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry installed with Helm ({@code deploy/helm/ferry}) instead of {@code kubectl apply -k deploy/}: the install of
 * this tier is taken away first, CRD included, then the chart is installed (CRD from its crds/) into a namespace of its own with the
 * operator's immutable VERSION-COMMIT image tag, watching only this test's namespace (its RBAC in a Role there), and
 * Redis. A fleet served through it takes clients; {@code helm upgrade} changes the log level and the replicas, so the
 * operator rolls while the clients run, and the upgraded operator drains a pod of a scale-down: no command fails.
 * {@code helm uninstall} removes every object the chart made; what stays is the CRD (Helm never deletes one it
 * installed from crds/) with the fleets, and what the operator made itself (its Lease and webhook Secret, in the
 * release's namespace, which goes with the namespace). Afterwards the tier's own install is put back.
 */
class HelmIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(HelmIT.class);

    private static final String RELEASE = "ferry";
    private static final String RELEASE_NAMESPACE = "ferry-helm";
    private static final String CHART = "deploy/helm/ferry";
    private static final String OPERATOR_IMAGE = "localhost/ferry/operator";
    private static final String VERSION = SERVER_IMAGE.substring(SERVER_IMAGE.lastIndexOf(':') + 1);
    private static final int SESSIONS = 40;

    private boolean kustomizeRemoved;

    @Test
    void installServeUpgradeAndUninstallWithHelm() throws Exception {
        NodeCluster cluster = cluster();
        Kubectl helm = cluster.helm();

        // The operator image by its immutable tag (the build tags VERSION and VERSION-COMMIT; its label says which).
        String commitTag = NodeCluster.run(
                        Duration.ofMinutes(1),
                        "podman",
                        "image",
                        "inspect",
                        "--format",
                        "{{ index .Config.Labels \"org.opencontainers.image.ref.name\" }}",
                        OPERATOR_IMAGE + ":" + VERSION)
                .strip();
        assertThat(commitTag).as("the operator image's second tag").matches(VERSION + "-[0-9a-f]{7}");
        String labels = NodeCluster.run(
                Duration.ofMinutes(1),
                "podman",
                "image",
                "inspect",
                "--format",
                "{{ index .Config.Labels \"org.opencontainers.image.version\" }} "
                        + "{{ index .Config.Labels \"org.opencontainers.image.revision\" }}",
                OPERATOR_IMAGE + ":" + commitTag);
        assertThat(labels.strip())
                .as("version and revision labels of " + commitTag)
                .matches(java.util.regex.Pattern.quote(VERSION) + " " + commitTag.substring(VERSION.length() + 1)
                        + "[0-9a-f]{33}");
        cluster.importImage(OPERATOR_IMAGE + ":" + commitTag);

        removeTheKustomizeInstall(cluster);

        long t0 = System.nanoTime();
        helm.attempt(
                        null,
                        Duration.ofMinutes(6),
                        "install",
                        RELEASE,
                        cluster.repo().resolve(CHART).toString(),
                        "--namespace",
                        RELEASE_NAMESPACE,
                        "--create-namespace",
                        "--set",
                        "image.tag=" + commitTag,
                        "--set",
                        "watchNamespaces={" + namespace + "}",
                        "--wait",
                        "--timeout",
                        "5m")
                .orThrow();
        cluster.awaitAvailable(RELEASE_NAMESPACE, NodeCluster.OPERATOR, 2, SETTLE);
        cluster.awaitAvailable(RELEASE_NAMESPACE, NodeCluster.REDIS, 1, SETTLE);
        log.info("helm install: operator 2/2 and Redis available after {} ms", millisSince(t0));
        assertThat(operatorPods(cluster))
                .allSatisfy(
                        p -> assertThat(p.getSpec().getContainers().getFirst().getImage())
                                .isEqualTo(OPERATOR_IMAGE + ":" + commitTag));

        // The operator's replicas publish their webhook CA into the chart's ValidatingWebhookConfiguration.
        NodeCluster.await(
                "the eviction webhook's caBundle patched in by the operator",
                SETTLE,
                () -> !caBundle(cluster).isEmpty());

        String store = "redis://" + NodeCluster.REDIS + "." + RELEASE_NAMESPACE + ":6379";
        String manifest = fleetManifest("helm", 3, SERVER_IMAGE, "Pod", 60).replace(NodeCluster.STORE_URI, store);
        assertThat(manifest).contains(store);
        Fleet fleet = Fleet.apply(cluster, namespace, manifest);
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            Set<String> before = names(operatorPods(cluster));

            long t1 = System.nanoTime();
            helm.attempt(
                            null,
                            Duration.ofMinutes(6),
                            "upgrade",
                            RELEASE,
                            cluster.repo().resolve(CHART).toString(),
                            "--namespace",
                            RELEASE_NAMESPACE,
                            "--reuse-values",
                            "--set",
                            "logLevel=DEBUG",
                            "--set",
                            "replicas=3",
                            "--wait",
                            "--timeout",
                            "5m")
                    .orThrow();
            cluster.awaitAvailable(RELEASE_NAMESPACE, NodeCluster.OPERATOR, 3, SETTLE);
            NodeCluster.await("the operator pods from before the upgrade gone", SETTLE, () -> {
                Set<String> now = names(operatorPods(cluster));
                return now.size() == 3 && now.stream().noneMatch(before::contains);
            });
            log.info("helm upgrade: operator rolled to 3 replicas at log level DEBUG in {} ms", millisSince(t1));
            assertThat(caBundle(cluster)).as("the caBundle after helm upgrade").isNotEmpty();
            assertThat(operatorPods(cluster))
                    .allSatisfy(p -> assertThat(env(p))
                            .containsEntry("QUARKUS_LOG_LEVEL", "DEBUG")
                            .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", namespace));
            assertThat(helm.run("history", RELEASE, "--namespace", RELEASE_NAMESPACE, "--output", "json")
                            .out())
                    .contains("\"revision\":2")
                    .contains("\"status\":\"deployed\"");

            // The upgraded operator reconciles: a scale-down drains the removed pod, its sessions move once.
            load.awaitRounds(load.roundsDone() + 2, Duration.ofMinutes(1));
            Map<String, Long> beforeScale = load.sessionsByPod();
            Set<String> podsBefore = Set.copyOf(fleet.status().sessionsByPod().keySet());
            fleet.scale(2);
            FleetStatus down = fleet.awaitSettled(2, SETTLE);
            Set<String> removed = new HashSet<>(podsBefore);
            removed.removeAll(down.sessionsByPod().keySet());
            assertThat(removed).hasSize(1);
            load.awaitRounds(load.roundsDone() + 4, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("through helm install, upgrade and a scale-down: {}", summary);
            assertNothingFailed(summary);
            assertThat(summary.sessionsByMoves().getOrDefault(1, 0L))
                    .isEqualTo(beforeScale.getOrDefault(removed.iterator().next(), 0L));
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);
        }

        long t2 = System.nanoTime();
        helm.attempt(
                        null,
                        Duration.ofMinutes(6),
                        "uninstall",
                        RELEASE,
                        "--namespace",
                        RELEASE_NAMESPACE,
                        "--wait",
                        "--timeout",
                        "5m")
                .orThrow();
        NodeCluster.await(
                "the operator pods gone after helm uninstall",
                SETTLE,
                () -> operatorPods(cluster).isEmpty());
        log.info("helm uninstall: done in {} ms", millisSince(t2));
        String instance = "app.kubernetes.io/instance=" + RELEASE;
        assertThat(cluster.kubectl()
                        .run(
                                "get",
                                "deployments,services,serviceaccounts,roles,rolebindings,networkpolicies",
                                "--all-namespaces",
                                "-l",
                                instance,
                                "-o",
                                "name")
                        .out())
                .as("namespaced objects of the release")
                .isBlank();
        assertThat(cluster.kubectl()
                        .run(
                                "get",
                                "clusterroles,clusterrolebindings,validatingwebhookconfigurations",
                                "-l",
                                instance,
                                "-o",
                                "name")
                        .out())
                .as("cluster-wide objects of the release")
                .isBlank();
        assertThat(cluster.kubectl()
                        .run("get", "validatingwebhookconfiguration", "--ignore-not-found", "-o", "name")
                        .out())
                .doesNotContain("ferry-eviction");
        // Kept: the CRD (Helm's convention for crds/), so the fleet is still there.
        assertThat(cluster.kubectl()
                        .run("get", "crd", "serverfleets.ferry.dev", "-o", "name")
                        .out()
                        .strip())
                .isEqualTo("customresourcedefinition.apiextensions.k8s.io/serverfleets.ferry.dev");
        assertThat(fleet.get()).as("the fleet, kept with its CRD").isNotNull();
        assertThat(helm.attempt(null, Duration.ofMinutes(1), "status", RELEASE, "--namespace", RELEASE_NAMESPACE)
                        .ok())
                .as("helm status after uninstall")
                .isFalse();
    }

    /** Whatever happened: no release left, its namespace gone, and the tier's own install (deploy/) back. */
    @AfterAll
    void putBackTheTiersInstall() {
        NodeCluster cluster = cluster();
        if (!kustomizeRemoved) {
            return;
        }
        long t0 = System.nanoTime();
        cluster.helm()
                .attempt(
                        null,
                        Duration.ofMinutes(6),
                        "uninstall",
                        RELEASE,
                        "--namespace",
                        RELEASE_NAMESPACE,
                        "--ignore-not-found",
                        "--wait",
                        "--timeout",
                        "5m");
        // The fleet's pods are kept by their ServerFleet (the CRD stays): remove it while no operator runs.
        if (namespace != null) {
            cluster.kubectl().attempt(null, Duration.ofMinutes(2), "delete", "serverfleets", "--all", "-n", namespace);
        }
        cluster.deleteNamespace(RELEASE_NAMESPACE);
        NodeCluster.await(
                "namespace " + RELEASE_NAMESPACE + " gone",
                SETTLE,
                () -> cluster.client().namespaces().withName(RELEASE_NAMESPACE).get() == null);
        cluster.installFerry(SETTLE);
        log.info("the tier's install (kubectl apply -k deploy/) is back after {} ms", millisSince(t0));
    }

    /**
     * Takes away what {@code kubectl apply -k deploy/} installed except its namespace (Helm adopts nothing it did not
     * create), and waits until no operator of it runs: two operators must never reconcile at once. The CRD goes too
     * (no fleet exists at this point), so that {@code helm install} installs it from the chart's crds/.
     */
    private void removeTheKustomizeInstall(NodeCluster cluster) {
        long t0 = System.nanoTime();
        kustomizeRemoved = true;
        String partOf = "app.kubernetes.io/part-of=ferry";
        cluster.kubectl()
                .run(
                        "delete",
                        "deployments,services,serviceaccounts,roles,rolebindings,networkpolicies",
                        "-n",
                        NodeCluster.FERRY_NAMESPACE,
                        "-l",
                        partOf,
                        "--wait=false");
        cluster.kubectl()
                .run(
                        "delete",
                        "clusterroles,clusterrolebindings,validatingwebhookconfigurations",
                        "-l",
                        partOf,
                        "--wait=false");
        cluster.kubectl()
                .run(
                        "delete",
                        "customresourcedefinition",
                        "serverfleets.ferry.dev",
                        "--ignore-not-found",
                        "--wait=false");
        NodeCluster.await(
                "CRD serverfleets.ferry.dev gone",
                SETTLE,
                () -> cluster.kubectl()
                        .run("get", "customresourcedefinitions", "-o", "name")
                        .out()
                        .lines()
                        .noneMatch(l -> l.endsWith("/serverfleets.ferry.dev")));
        NodeCluster.await(
                "no pod of deploy/'s operator and Redis left in " + NodeCluster.FERRY_NAMESPACE,
                SETTLE,
                () -> cluster.client()
                        .pods()
                        .inNamespace(NodeCluster.FERRY_NAMESPACE)
                        .list()
                        .getItems()
                        .isEmpty());
        log.info("deploy/'s install taken away (its namespace kept) in {} ms", millisSince(t0));
    }

    private static List<Pod> operatorPods(NodeCluster cluster) {
        return cluster
                .client()
                .pods()
                .inNamespace(RELEASE_NAMESPACE)
                .withLabel("app.kubernetes.io/name", NodeCluster.OPERATOR)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    private static String caBundle(NodeCluster cluster) {
        return cluster.kubectl()
                .attempt(
                        null,
                        Duration.ofMinutes(1),
                        "get",
                        "validatingwebhookconfiguration",
                        "ferry-eviction",
                        "-o",
                        "jsonpath={.webhooks[0].clientConfig.caBundle}")
                .out()
                .strip();
    }

    private static Set<String> names(List<Pod> pods) {
        Set<String> names = new HashSet<>();
        pods.forEach(p -> names.add(p.getMetadata().getName()));
        return names;
    }

    private static Map<String, String> env(Pod pod) {
        Map<String, String> env = new java.util.HashMap<>();
        for (EnvVar e : pod.getSpec().getContainers().getFirst().getEnv()) {
            if (e.getValue() != null) env.put(e.getName(), e.getValue());
        }
        return env;
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
