package dev.ferry.node.bench;

import dev.ferry.node.Fleet;
import dev.ferry.node.NodeCluster;
import java.time.Duration;

/**
 * ServerFleet manifests of the benchmarks: the reference server with the hardened settings of
 * deploy/examples/basic-fleet.yaml, on the Redis that {@code kubectl apply -k deploy/} installs, advertising pod
 * addresses (a drain then sends each client straight to a pod of the new revision; with the Service address a
 * lagging kube-proxy can send a client to an old pod, which moves it twice, see RollingUpgradeIT).
 */
final class BenchFleets {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BenchFleets.class);
    /** How long a removed fleet's pods may take to go before the next fleet starts anyway. */
    private static final Duration REMOVE_TIMEOUT = Duration.ofMinutes(5);

    /** Build 1 of the reference server's image, as {@code mvn install -Pimage} tags it. */
    static final String SERVER_IMAGE = "localhost/ferry/server:0.1.0-SNAPSHOT";

    private BenchFleets() {}

    /**
     * @param memoryLimit the container's memory limit, e.g. {@code 512Mi}; the image's JVM takes 75 % of it as heap
     * @param cpuRequest  what the scheduler reserves per pod, e.g. {@code 100m} (no CPU limit: no throttling)
     */
    static String manifest(
            String name,
            int replicas,
            String image,
            int idleMigrationSeconds,
            int sessionIdleSeconds,
            int migrationRatePerSecond,
            String cpuRequest,
            String memoryLimit) {
        return manifest(
                name,
                replicas,
                image,
                idleMigrationSeconds,
                sessionIdleSeconds,
                migrationRatePerSecond,
                cpuRequest,
                memoryLimit,
                "");
    }

    /**
     * The same fleet with more of its spec: {@code extraSpec} is YAML of fields under {@code spec} (such as
     * {@code autoscaling:} or {@code rebalance:}), each line indented by two spaces as under {@code spec:}, ending in
     * a newline; empty for none.
     */
    static String manifest(
            String name,
            int replicas,
            String image,
            int idleMigrationSeconds,
            int sessionIdleSeconds,
            int migrationRatePerSecond,
            String cpuRequest,
            String memoryLimit,
            String extraSpec) {
        return """
                apiVersion: ferry.dev/v1alpha1
                kind: ServerFleet
                metadata:
                  name: %s
                spec:
                  replicas: %d
                  advertise: Pod
                  contextStore:
                    uri: %s
                  idleMigrationTimerSeconds: %d
                  sessionIdleTimerSeconds: %d
                  migrationRatePerSecond: %d
                %s  template:
                    spec:
                      terminationGracePeriodSeconds: %d
                      securityContext:
                        runAsNonRoot: true
                        runAsUser: 65532
                        seccompProfile:
                          type: RuntimeDefault
                      containers:
                        - name: server
                          image: %s
                          resources:
                            requests:
                              cpu: %s
                              memory: %s
                            limits:
                              memory: %s
                          securityContext:
                            allowPrivilegeEscalation: false
                            readOnlyRootFilesystem: true
                            capabilities:
                              drop: ["ALL"]
                          volumeMounts:
                            - name: tmp
                              mountPath: /tmp
                      volumes:
                        - name: tmp
                          emptyDir:
                            sizeLimit: 64Mi
                """.formatted(
                name,
                replicas,
                NodeCluster.STORE_URI,
                idleMigrationSeconds,
                sessionIdleSeconds,
                migrationRatePerSecond,
                extraSpec,
                // SIGTERM makes a server drain for up to the idle migration timer: the grace period must outlast it.
                idleMigrationSeconds + 30,
                image,
                cpuRequest,
                memoryLimit,
                memoryLimit);
    }

    /**
     * Deletes the fleet and waits until its pods are gone, so the next fleet starts on an idle cluster. Its clients
     * are closed by now; the pods are force-deleted rather than left to drain an empty server for their grace period.
     */
    static void remove(NodeCluster cluster, Fleet fleet) {
        cluster.kubectl()
                .attempt(
                        null,
                        Duration.ofMinutes(1),
                        "delete",
                        "serverfleet",
                        fleet.name(),
                        "-n",
                        fleet.namespace(),
                        "--wait=false");
        cluster.kubectl()
                .attempt(
                        null,
                        Duration.ofMinutes(1),
                        "delete",
                        "pods",
                        "-n",
                        fleet.namespace(),
                        "-l",
                        "ferry.dev/fleet=" + fleet.name(),
                        "--grace-period=0",
                        "--force",
                        "--wait=false");
        try {
            NodeCluster.await(
                    "fleet " + fleet.name() + "'s pods gone",
                    REMOVE_TIMEOUT,
                    () -> fleet.pods().isEmpty());
        } catch (IllegalStateException e) {
            log.warn("{}: the next fleet starts anyway", e.getMessage());
        }
    }
}
