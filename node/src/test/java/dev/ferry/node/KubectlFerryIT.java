package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl ferry} (kubectl-plugin/, docs/kubectl-ferry.md) run as a user runs it: the real kubectl finds the
 * plugin's launcher on PATH, and every call goes through the API server (pods' admin APIs through its pod proxy).
 * Under 60 checked sessions on a 3-pod fleet: {@code sessions} shows what the clients see per pod; {@code move}
 * moves N sessions from the busiest pod to the least busy one; {@code drain --wait} evicts the busiest pod, the
 * operator's webhook refuses and drains it, {@code drains} shows the drain under way, and the pod is replaced and
 * deleted. No client command fails. The plugin runs as a ServiceAccount bound to the Role of
 * deploy/kubectl-ferry-role.yaml, with a bearer token (so the API server strips that token before it proxies), which
 * shows the Role is enough and the admin token reaches the pods in X-Ferry-Admin-Token.
 */
class KubectlFerryIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(KubectlFerryIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = 60;
    private static final int MOVE = 5;
    private static final String FLEET = "kf";

    /** What one {@code kubectl ferry} run printed, how it ended, and how long it took. */
    record Run(List<String> args, int exitCode, String out, String err, long millis) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("kubectl ferry " + args + " printed no JSON: " + out + err, e);
            }
        }

        Run ok() {
            assertThat(exitCode).as("kubectl ferry %s: %s%s", args, out, err).isZero();
            return this;
        }
    }

    private final List<String> latencies = new ArrayList<>();
    /** The on-call user's kubeconfig: a ServiceAccount token, the Role of deploy/kubectl-ferry-role.yaml. */
    private Path onCall;

    @Test
    void sessionsMoveAndDrainThroughTheApiServer() throws Exception {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest(FLEET, 3, SERVER_IMAGE, "Pod", 20));
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        Run listed = ferry(Duration.ofMinutes(1), "plugin", "list");
        assertThat(listed.out()).as("kubectl plugin list finds the launcher").contains("kubectl-ferry");
        assertThat(listed.err()).as("and has no warning about it or the jar").doesNotContain("kubectl-plugin/target");
        onCall = onCallKubeconfig(cluster);
        Run canI = ferry(Duration.ofMinutes(1), "auth", "can-i", "list", "secrets", "-n", namespace);
        assertThat(canI.out().strip())
                .as("the on-call Role reads no Secret but the fleet's token")
                .isEqualTo("no");
        Run denied = ferry(Duration.ofMinutes(1), "ferry", "sessions", "other", "-n", namespace);
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(denied.err()).contains("no ServerFleet other in namespace " + namespace);

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));

            // sessions: the plugin's per-pod counts are the clients' own (nothing moves meanwhile).
            Map<String, Long> seen = load.sessionsByPod();
            Run sessions = ferry(Duration.ofMinutes(1), "ferry", "sessions", FLEET, "-n", namespace, "-o", "json")
                    .ok();
            assertThat(countsOf(sessions.json())).isEqualTo(seen);
            assertThat(sessions.json().get("sessions").asLong()).isEqualTo(SESSIONS);
            Run table = ferry(Duration.ofMinutes(1), "ferry", "sessions", FLEET, "-n", namespace)
                    .ok();
            log.info("kubectl ferry sessions {}:\n{}", FLEET, table.out());
            assertThat(table.out()).startsWith("POD ").contains("TOTAL");
            seen.forEach((pod, n) -> assertThat(table.out()).containsPattern(pod + " .* " + n + " +0\\n"));

            // move: N sessions from the busiest pod to the least busy one.
            String source = busiest(seen);
            // Not the source itself when every pod has as many (the Service can spread 60 sessions 20/20/20).
            String target = seen.entrySet().stream()
                    .filter(e -> !e.getKey().equals(source))
                    .min(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            long sourceBefore = seen.get(source), targetBefore = seen.get(target);
            Run move = ferry(
                            Duration.ofMinutes(1),
                            "ferry",
                            "move",
                            source,
                            String.valueOf(MOVE),
                            "--to",
                            target,
                            "-n",
                            namespace)
                    .ok();
            log.info("kubectl ferry move: {}", move.out().strip());
            assertThat(move.out())
                    .contains("pod/" + source + " asked " + MOVE + " of its sessions to migrate to " + target);
            NodeCluster.await(MOVE + " sessions from " + source + " on " + target, Duration.ofMinutes(1), () -> {
                Map<String, Long> now = load.sessionsByPod();
                return now.getOrDefault(source, 0L) == sourceBefore - MOVE
                        && now.getOrDefault(target, 0L) == targetBefore + MOVE;
            });
            assertThat(load.moves()).as("the moved sessions moved once each").isEqualTo(MOVE);
            NodeCluster.await(
                    "kubectl ferry sessions shows the move",
                    Duration.ofMinutes(1),
                    () -> countsOf(ferry(
                                            Duration.ofMinutes(1),
                                            "ferry",
                                            "sessions",
                                            FLEET,
                                            "-n",
                                            namespace,
                                            "-o",
                                            "json")
                                    .ok()
                                    .json())
                            .equals(load.sessionsByPod()));

            // drain: through the Eviction API; the webhook answers only once an operator replica serves it, so wait
            // for it with a dry run (refused alike, marks nothing), as kubectl drain's retries would.
            Map<String, Long> beforeDrain = load.sessionsByPod();
            String victim = busiest(beforeDrain);
            long held = beforeDrain.get(victim);
            NodeCluster.await("the eviction webhook answers", Duration.ofMinutes(2), () -> {
                Kubectl.Outcome dry = cluster.kubectl()
                        .attempt(
                                "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + victim
                                        + "\",\"namespace\":\"" + namespace + "\"}}",
                                Duration.ofSeconds(30),
                                "create",
                                "--raw",
                                "/api/v1/namespaces/" + namespace + "/pods/" + victim + "/eviction?dryRun=All",
                                "-f",
                                "-");
                return !dry.ok() && dry.err().contains("denied the request");
            });
            long movesBefore = load.moves();
            CompletableFuture<Run> drain = CompletableFuture.supplyAsync(
                    () -> ferry(
                            Duration.ofMinutes(5), "ferry", "drain", victim, "--wait", "--timeout=4m", "-n", namespace),
                    r -> Thread.ofVirtual().start(r));
            NodeCluster.await("kubectl ferry drains lists the eviction of " + victim, Duration.ofMinutes(2), () -> {
                if (drain.isDone()) return true;
                JsonNode drains = ferry(Duration.ofMinutes(1), "ferry", "drains", FLEET, "-n", namespace, "-o", "json")
                        .ok()
                        .json()
                        .get("drains");
                for (JsonNode d : drains) {
                    if (d.get("pod").asText().equals(victim)
                            && d.path("reason").asText().equals("Eviction")) {
                        log.info("kubectl ferry drains: {}", d);
                        return true;
                    }
                }
                return false;
            });
            assertThat(drain.isDone())
                    .as("the drain was seen under way before it ended")
                    .isFalse();
            Run drained = drain.get(6, TimeUnit.MINUTES).ok();
            log.info("kubectl ferry drain {} --wait:\n{}", victim, drained.out());
            assertThat(drained.out())
                    .contains("pod/" + victim + " eviction refused for now (429 TooManyRequests)")
                    .contains("of ServerFleet " + FLEET + " starts its drain")
                    .contains("pod/" + victim + " is gone after")
                    .contains("new pods of ServerFleet " + FLEET);
            assertThat(fleet.pods()).noneMatch(p -> p.getMetadata().getName().equals(victim));
            fleet.awaitSettled(3, SETTLE);
            load.awaitRounds(load.roundsDone() + 3, Duration.ofMinutes(1));
            assertThat(load.sessionsByPod()).doesNotContainKey(victim);

            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("kubectl ferry under {} sessions: {}; plugin runs: {}", SESSIONS, summary, latencies);
            assertNothingFailed(summary);
            assertThat(summary.moves() - movesBefore)
                    .as("the drained pod's sessions moved once each")
                    .isEqualTo(held);
            assertThat(fleet.events("DrainStarted"))
                    .anySatisfy(e -> assertThat(e.getNote()).contains(victim).contains("(Eviction)"));
        }
    }

    /**
     * A ServiceAccount {@code on-call} bound to the Role of deploy/kubectl-ferry-role.yaml (its resourceNames set to
     * this fleet's Secret), and a kubeconfig with a token of it, in a directory of its own (removed after the class).
     */
    private Path onCallKubeconfig(NodeCluster cluster) throws IOException {
        String role = Files.readString(cluster.repo().resolve("deploy/kubectl-ferry-role.yaml"))
                .replace("basic-admin-token", FLEET + "-admin-token");
        assertThat(role).contains(FLEET + "-admin-token");
        Kubectl kubectl = cluster.kubectl();
        kubectl.runWithInput(role, "apply", "-n", namespace, "-f", "-");
        kubectl.run("-n", namespace, "create", "serviceaccount", "on-call");
        kubectl.run(
                "-n",
                namespace,
                "create",
                "rolebinding",
                "on-call",
                "--role=kubectl-ferry",
                "--serviceaccount=" + namespace + ":on-call");
        String token = kubectl.run("-n", namespace, "create", "token", "on-call", "--duration=1h")
                .out()
                .strip();
        io.fabric8.kubernetes.client.Config admin = cluster.client().getConfiguration();
        String ca = admin.getCaCertData() != null
                ? "certificate-authority-data: " + admin.getCaCertData()
                : "certificate-authority: " + admin.getCaCertFile();
        Path dir = Files.createTempDirectory("kubectl-ferry-it");
        Path file = dir.resolve("on-call.kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: node
                    cluster:
                      server: %s
                      %s
                users:
                  - name: on-call
                    user:
                      token: %s
                contexts:
                  - name: on-call
                    context: {cluster: node, user: on-call, namespace: %s}
                current-context: on-call
                """.formatted(admin.getMasterUrl(), ca, token, namespace));
        return file;
    }

    @AfterAll
    void removeKubeconfig() throws IOException {
        if (onCall != null) {
            Files.deleteIfExists(onCall);
            Files.deleteIfExists(onCall.getParent());
        }
    }

    private static String busiest(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    private static Map<String, Long> countsOf(JsonNode sessions) {
        Map<String, Long> counts = new TreeMap<>();
        for (JsonNode p : sessions.get("pods")) {
            assertThat(p.has("error"))
                    .as("pod %s answered: %s", p.get("pod"), p.get("error"))
                    .isFalse();
            if (p.get("sessions").asLong() > 0)
                counts.put(p.get("pod").asText(), p.get("sessions").asLong());
        }
        return counts;
    }

    /**
     * Runs the real kubectl with ARGS, the plugin's directory first on PATH, KUBECONFIG the on-call user's once made
     * (kubectl takes no flag before a plugin's name), and the plugin's JVM the one of this build.
     */
    private Run ferry(Duration timeout, String... args) {
        Path plugin = cluster().repo().resolve("kubectl-plugin/target");
        if (!Files.isExecutable(plugin.resolve("kubectl-ferry"))
                || !Files.isRegularFile(plugin.resolve("ferry-kubectl.jar"))) {
            throw new IllegalStateException(
                    "no kubectl-ferry in " + plugin + ": build it first (mvn package -pl kubectl-plugin)");
        }
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", plugin + ":" + System.getenv("PATH"));
        if (onCall != null) environment.put("KUBECONFIG", onCall.toString());
        // The launcher's class-data archive goes to the build's directory, not the user's cache.
        environment.put(
                "XDG_CACHE_HOME",
                cluster().repo().resolve("node/target/kubectl-ferry-cache").toString());
        String java = System.getenv("FERRY_NODE_JAVA");
        if (java != null) environment.put("FERRY_JAVA", java);
        long start = System.nanoTime();
        Kubectl.Outcome outcome = cluster().kubectl().attempt(environment, null, timeout, List.of(args));
        long millis = (System.nanoTime() - start) / 1_000_000;
        Run run = new Run(List.of(args), outcome.exitCode(), outcome.out(), outcome.err(), millis);
        synchronized (latencies) {
            latencies.add(String.join(" ", args.length > 1 ? List.of(args).subList(0, 2) : List.of(args)) + " " + millis
                    + " ms");
        }
        if (!run.err().isBlank())
            log.info(
                    "kubectl {} (stderr): {}", String.join(" ", args), run.err().strip());
        return run;
    }
}
