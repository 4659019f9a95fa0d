package dev.ferry.node;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one fixture of the node tier: the cluster that scripts/node.sh runs (the build brings it up before this tier),
 * Ferry installed on it by {@code kubectl apply -k deploy/} once per test JVM, and a namespace of its own for each
 * test class, deleted afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(FerryOnNode.ClusterStateOnFailure.class)
public abstract class FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(FerryOnNode.class);

    /** Generous for a loaded 2-core machine: JVMs start, images unpack, drains wait for clients. */
    protected static final Duration SETTLE = Duration.ofMinutes(4);

    protected static final String SERVER_IMAGE = "localhost/ferry/server:0.1.0-SNAPSHOT";

    private static NodeCluster cluster;
    private static boolean installed;

    protected String namespace;

    protected static synchronized NodeCluster cluster() {
        if (cluster == null) {
            cluster = NodeCluster.connect();
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "node-cluster-close"));
        }
        if (!installed) {
            cluster.installFerry(SETTLE);
            installed = true;
        }
        return cluster;
    }

    @BeforeAll
    void createNamespace() {
        namespace = cluster().createNamespace(getClass().getSimpleName().replace("IT", ""));
    }

    @AfterAll
    void deleteNamespace() {
        if (namespace != null) cluster().deleteNamespace(namespace);
    }

    /**
     * Logs what a failed scenario leaves behind before its namespace goes: the fleets with their status, the pods
     * with their annotations, the namespace's Events, and the operator's log lines about the namespace.
     */
    static final class ClusterStateOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            Object test = context.getTestInstance().orElse(null);
            if (!(test instanceof FerryOnNode node) || node.namespace == null || cluster == null) {
                return;
            }
            Kubectl kubectl = cluster.kubectl();
            String ns = node.namespace;
            log.warn(
                    "{} failed; the state of namespace {}:\n{}\n{}\n{}\n{}",
                    context.getDisplayName(),
                    ns,
                    kubectl.run("-n", ns, "get", "serverfleets", "-o", "yaml").out(),
                    kubectl.run(
                                    "-n",
                                    ns,
                                    "get",
                                    "pods",
                                    "-o",
                                    "custom-columns=NAME:.metadata.name,PHASE:.status.phase,"
                                            + "IP:.status.podIP,ANNOTATIONS:.metadata.annotations")
                            .out(),
                    kubectl.run("-n", ns, "get", "events", "--sort-by=.metadata.creationTimestamp")
                            .out(),
                    operatorLog(kubectl, ns));
        }

        private static String operatorLog(Kubectl kubectl, String ns) {
            StringBuilder lines = new StringBuilder();
            for (String pod : kubectl.run(
                            "-n",
                            "ferry-system",
                            "get",
                            "pods",
                            "-l",
                            "app.kubernetes.io/name=ferry-operator",
                            "-o",
                            "name")
                    .out()
                    .split("\\s+")) {
                if (pod.isBlank()) continue;
                lines.append("--- ").append(pod).append('\n');
                kubectl.run("-n", "ferry-system", "logs", pod, "--tail=2000")
                        .out()
                        .lines()
                        .filter(l -> l.contains(ns) || l.contains("ERROR") || l.contains("Rebalance"))
                        .forEach(l -> lines.append(l).append('\n'));
            }
            return lines.toString();
        }
    }

    /**
     * What every node-tier scenario must show: no command failed or answered wrongly, no session was lost, the
     * client saw no failed migration and no duplicate or missing stream row.
     */
    protected static void assertNothingFailed(CheckedSessions.Summary summary) {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(summary.failures()).as("failures").isEmpty();
        soft.assertThat(summary.commandsFailed()).as("commands failed").isZero();
        soft.assertThat(summary.wrongAnswers()).as("wrong answers").isZero();
        soft.assertThat(summary.sessionsLost()).as("sessions lost").isZero();
        soft.assertThat(summary.client().migrationsFailed())
                .as("migrations failed")
                .isZero();
        soft.assertThat(summary.client().duplicateRows()).as("duplicate rows").isZero();
        soft.assertThat(summary.client().seqGaps()).as("sequence gaps").isZero();
        soft.assertThat(summary.commandsOk()).as("commands ok").isPositive();
        soft.assertAll();
    }

    /**
     * Waits until the fleet's status counts at least {@code sessions.get(pod)} sessions on each named pod: the
     * operator picks scale-down victims by these counts, so a scenario that needs a given victim waits for them.
     */
    protected static void awaitSessionCounts(Fleet fleet, java.util.Map<String, Long> sessions) {
        NodeCluster.await("fleet status counting " + sessions, Duration.ofMinutes(1), () -> {
            java.util.Map<String, Long> counted = fleet.status().sessionsByPod();
            return sessions.entrySet().stream().allMatch(e -> counted.getOrDefault(e.getKey(), 0L) >= e.getValue());
        });
    }

    /**
     * A fleet manifest of the reference server with the hardened settings of deploy/examples/basic-fleet.yaml and a
     * 20-session warm-up before readiness.
     */
    protected static String fleetManifest(
            String name, int replicas, String image, String advertise, int idleMigrationSeconds) {
        return fleetManifest(name, replicas, image, advertise, idleMigrationSeconds, "");
    }

    /** As above, with {@code extraSpec} (YAML lines indented two spaces, each ending in a newline) added to the spec. */
    protected static String fleetManifest(
            String name, int replicas, String image, String advertise, int idleMigrationSeconds, String extraSpec) {
        return fleetManifest(name, replicas, image, advertise, idleMigrationSeconds, 600, extraSpec);
    }

    /** As above, with the session idle timer too (both timers 0 turn migration off). */
    protected static String fleetManifest(
            String name,
            int replicas,
            String image,
            String advertise,
            int idleMigrationSeconds,
            int sessionIdleSeconds,
            String extraSpec) {
        return """
                apiVersion: ferry.dev/v1alpha1
                kind: ServerFleet
                metadata:
                  name: %s
                spec:
                  replicas: %d
                  advertise: %s
                  contextStore:
                    uri: %s
                  idleMigrationTimerSeconds: %d
                  sessionIdleTimerSeconds: %d
                %s  template:
                    spec:
                      terminationGracePeriodSeconds: %d
                      containers:
                        - name: server
                          image: %s
                          env:
                            # The image's 300-session warm-up has its own tests (container tier); here a
                            # short one keeps readiness-after-warm-up on the path without adding minutes.
                            - name: FERRY_WARMUP_ITERATIONS
                              value: "20"
                          resources:
                            requests:
                              cpu: 50m
                              memory: 128Mi
                            limits:
                              memory: 384Mi
                """.formatted(
                        name,
                        replicas,
                        advertise,
                        NodeCluster.STORE_URI,
                        idleMigrationSeconds,
                        sessionIdleSeconds,
                        extraSpec,
                        idleMigrationSeconds + 30,
                        image);
    }
}
