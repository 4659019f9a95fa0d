package dev.ferry.node.demo;

import dev.ferry.client.ClientMetrics;
import dev.ferry.node.CheckedSessions;
import dev.ferry.node.Fleet;
import dev.ferry.node.FleetStatus;
import dev.ferry.node.NodeCluster;
import dev.ferry.node.ServerImages;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's demo on a real cluster (scripts/node.sh): Ferry installed with {@code kubectl apply -k deploy/} (the
 * operator from its image, two replicas, and Redis), {@code deploy/examples/basic-fleet.yaml} applied, a few
 * hundred clients coming in through the fleet's Service, then a rolling upgrade to a new server image, a
 * scale-down with {@code kubectl scale}, and autoscaling on sessions (as many clients again scale the fleet up, their
 * leaving scales it down), with the pods, sessions, moves and the operator's Events shown live and a
 * summary at the end. Exit code 0 only when no command failed, no answer was wrong and no session was lost.
 */
@Command(
        name = "ferry-node-demo",
        mixinStandardHelpOptions = true,
        description = "Ferry on a real Kubernetes node: install, a fleet, clients, a rolling upgrade, a scale-down and"
                + " autoscaling on sessions.")
public final class NodeDemo implements Callable<Integer> {

    private static final String FLEET_FILE = "deploy/examples/basic-fleet.yaml";
    private static final String IMAGE_1 = "localhost/ferry/server:0.1.0-SNAPSHOT";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(4);

    @Option(names = "--clients", defaultValue = "300", description = "client sessions (default ${DEFAULT-VALUE})")
    int clients;

    @Option(
            names = "--namespace",
            defaultValue = "ferry-demo",
            description = "namespace of the demo fleet (default ${DEFAULT-VALUE})")
    String namespace;

    @Option(
            names = "--warm-up-seconds",
            defaultValue = "8",
            description = "load before the rolling upgrade (default ${DEFAULT-VALUE})")
    int warmUpSeconds;

    @Option(
            names = "--cool-down-seconds",
            defaultValue = "5",
            description = "load after the scale-down (default ${DEFAULT-VALUE})")
    int coolDownSeconds;

    @Option(
            names = "--scale-down-window-seconds",
            defaultValue = "20",
            description = "the autoscaler's scale-down stabilisation window in the demo (default ${DEFAULT-VALUE})")
    int scaleDownWindowSeconds;

    @Option(
            names = "--think-time-ms",
            defaultValue = "20",
            description = "pause between a client's rounds of commands (default ${DEFAULT-VALUE})")
    int thinkTimeMillis;

    private final PrintStream out = System.out;
    private final long t0 = System.nanoTime();
    private final Set<String> seenEvents = new HashSet<>();
    private volatile CheckedSessions load;
    private volatile Fleet fleet;
    private double worstP99Millis;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (NodeCluster cluster = NodeCluster.connect()) {
            say("Ferry on a real Kubernetes cluster: nodes %s", cluster.nodes());
            command("kubectl apply --server-side -k deploy/");
            cluster.installFerry(STEP_TIMEOUT);
            say("operator (2 replicas, leader election) and Redis available in ferry-system");

            say(
                    "building version 2 of the server image for the upgrade (podman build) and importing it into the nodes");
            String image2 = ServerImages.secondBuild(cluster, IMAGE_1, "2");

            freshNamespace(cluster);
            command("kubectl apply -n %s -f %s", namespace, FLEET_FILE);
            fleet = Fleet.apply(
                    cluster, namespace, Files.readString(cluster.repo().resolve(FLEET_FILE)));
            FleetStatus ready = fleet.awaitSettled(3, STEP_TIMEOUT);
            fleet.awaitServiceRoutes(3, STEP_TIMEOUT);
            say("fleet %s Available: 3 pods of revision %s", fleet.name(), shortRevision(ready.updateRevision()));

            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name("demo-progress").unstarted(r));
            ticker.scheduleAtFixedRate(() -> tick(cluster), 1, 1, TimeUnit.SECONDS);
            try {
                String address = fleet.serviceDnsAddress();
                say("connecting %d clients through the fleet's Service %s (cluster DNS, kube-proxy)", clients, address);
                load = CheckedSessions.start(address, clients, Duration.ofMillis(thinkTimeMillis));
                pause(warmUpSeconds);

                say("== rolling upgrade: server image %s -> %s", IMAGE_1, image2);
                command(
                        "kubectl patch -n %s serverfleet/%s --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"%s\"}]'",
                        namespace, fleet.name(), image2);
                fleet.setImage(image2);
                command(
                        "kubectl wait -n %s --for=condition=Ready serverfleet/%s --timeout=%ds",
                        namespace, fleet.name(), STEP_TIMEOUT.toSeconds());
                cluster.kubectl()
                        .attempt(
                                null,
                                STEP_TIMEOUT.plusMinutes(1),
                                "wait",
                                "-n",
                                namespace,
                                "--for=condition=Ready",
                                "serverfleet/" + fleet.name(),
                                "--timeout=" + STEP_TIMEOUT.toSeconds() + "s")
                        .orThrow();
                FleetStatus upgraded = fleet.awaitSettled(3, STEP_TIMEOUT);
                say("rolled out: 3 pods of revision %s", shortRevision(upgraded.updateRevision()));

                say("== scale-down 3 -> 2");
                command("kubectl scale -n %s serverfleet/%s --replicas=2", namespace, fleet.name());
                fleet.scale(2);
                fleet.awaitSettled(2, STEP_TIMEOUT);
                say("scaled down to 2 pods");

                CheckedSessions.Summary surgeSummary = autoscaleAct();
                pause(coolDownSeconds);

                CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
                ticker.shutdownNow();
                tick(cluster);
                return summary(summary, surgeSummary, fleet.status());
            } finally {
                ticker.shutdownNow();
                if (load != null) load.close();
                command("kubectl delete namespace %s --wait=false", namespace);
                cluster.kubectl()
                        .attempt(null, Duration.ofMinutes(1), "delete", "namespace", namespace, "--wait=false");
            }
        }
    }

    /**
     * Autoscaling on sessions: the operator is told to keep about half the clients per pod (2 pods for them); as
     * many clients again make it scale to 4, and rebalance fills the new pods; when they leave it scales back to 2
     * after the scale-down window, one pod at a time, each drained first. Returns what the extra clients saw.
     */
    private CheckedSessions.Summary autoscaleAct() throws InterruptedException {
        int target = Math.max(1, clients / 2);
        String autoscaling = "{\"spec\":{\"autoscaling\":{\"minReplicas\":1,\"maxReplicas\":4,\"targetSessionsPerPod\":"
                + target + ",\"scaleDown\":{\"stabilizationWindowSeconds\":" + scaleDownWindowSeconds + "}}}}";
        say("== autoscaling on sessions: about %d sessions per pod, 1 to 4 pods", target);
        command("kubectl patch -n %s serverfleet/%s --type=merge -p '%s'", namespace, fleet.name(), autoscaling);
        fleet.patch(autoscaling);
        pause(warmUpSeconds);

        String address = fleet.serviceDnsAddress();
        say("== %d more clients: %d sessions call for 4 pods", clients, 2 * clients);
        try (CheckedSessions surge = CheckedSessions.start(address, clients, Duration.ofMillis(thinkTimeMillis))) {
            NodeCluster.await("the autoscaler raising replicas to 4", STEP_TIMEOUT, () -> fleet.specReplicas() == 4);
            fleet.awaitSettled(4, STEP_TIMEOUT);
            NodeCluster.await(
                    "rebalance onto the new pods",
                    STEP_TIMEOUT,
                    () -> fleet.status()
                            .conditionOf("Rebalancing")
                            .map(c -> "False".equals(c.status()))
                            .orElse(false));
            say(
                    "scaled up to 4 pods and rebalanced: sessions per pod %s",
                    fleet.status().sessionsByPod().values());
            pause(warmUpSeconds);
            say(
                    "== the %d extra clients leave; the autoscaler waits %d s, then removes one pod at a time",
                    clients, scaleDownWindowSeconds);
            CheckedSessions.Summary surgeSummary = surge.stop(Duration.ofMinutes(2));
            surge.close();
            NodeCluster.await(
                    "the autoscaler scaling back to 2",
                    STEP_TIMEOUT,
                    () -> fleet.specReplicas() == 2 && fleet.status().settled(fleet.generation(), 2));
            say("scaled down to 2 pods by the autoscaler");
            return surgeSummary;
        }
    }

    private void freshNamespace(NodeCluster cluster) {
        if (cluster.client().namespaces().withName(namespace).get() != null) {
            say("removing the namespace %s of an earlier run", namespace);
            cluster.kubectl().run("delete", "namespace", namespace, "--wait=true", "--timeout=180s");
        }
        command("kubectl create namespace %s", namespace);
        cluster.kubectl().run("create", "namespace", namespace);
    }

    private void tick(NodeCluster cluster) {
        try {
            printEvents(cluster);
            printProgress();
        } catch (RuntimeException e) {
            say("(progress unavailable: %s)", e.getMessage());
        }
    }

    private void printProgress() {
        StringBuilder line = new StringBuilder();
        FleetStatus s = fleet.status();
        line.append(String.format(Locale.ROOT, "replicas %d sessions %4d", fleet.specReplicas(), s.sessionCount()));
        for (FleetStatus.Pod p : s.pods().stream()
                .sorted(Comparator.comparing(FleetStatus.Pod::name))
                .toList()) {
            line.append(String.format(
                    Locale.ROOT,
                    " | %s %s %-8s %3d",
                    shortPod(p.name()),
                    shortRevision(p.revision()),
                    p.phase(),
                    p.sessionCount()));
        }
        CheckedSessions l = load;
        if (l != null) {
            Histogram interval = l.intervalLatency();
            double p99 = interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1000.0;
            worstP99Millis = Math.max(worstP99Millis, p99);
            line.append(String.format(
                    Locale.ROOT,
                    "  || ok %7d failed %d moves %4d p99 %6.1f ms",
                    l.commandsOk(),
                    l.commandsFailed(),
                    l.moves(),
                    p99));
        }
        say("%s", line);
    }

    private void printEvents(NodeCluster cluster) {
        List<Event> fresh = new ArrayList<>();
        for (Event e : cluster.client()
                .events()
                .v1()
                .events()
                .inNamespace(namespace)
                .list()
                .getItems()) {
            if (seenEvents.add(e.getMetadata().getUid())) fresh.add(e);
        }
        fresh.sort(Comparator.comparing(Fleet::eventTime));
        for (Event e : fresh) {
            String about = e.getRegarding() == null
                    ? ""
                    : e.getRegarding().getKind() + "/" + e.getRegarding().getName();
            String note = e.getNote() == null ? "" : e.getNote();
            if (note.length() > 140) note = note.substring(0, 137) + "...";
            say("  [event] %-18s %-40s %s", e.getReason(), about, note);
        }
    }

    private static boolean clean(CheckedSessions.Summary s) {
        ClientMetrics.Snapshot c = s.client();
        return s.commandsFailed() == 0
                && s.wrongAnswers() == 0
                && s.sessionsLost() == 0
                && c.migrationsFailed() == 0
                && c.duplicateRows() == 0
                && c.seqGaps() == 0;
    }

    private int summary(CheckedSessions.Summary s, CheckedSessions.Summary surge, FleetStatus status) {
        ClientMetrics.Snapshot c = s.client();
        boolean clean = clean(s) && clean(surge);
        out.println();
        out.println("== summary");
        out.printf(Locale.ROOT, "  clients                 %d (through the Service, cluster DNS name)%n", s.sessions());
        out.printf(Locale.ROOT, "  commands run            %d, every answer checked%n", s.commandsOk());
        out.printf(
                Locale.ROOT, "  commands failed         %d (wrong answers %d)%n", s.commandsFailed(), s.wrongAnswers());
        out.printf(Locale.ROOT, "  sessions lost           %d%n", s.sessionsLost());
        out.printf(
                Locale.ROOT,
                "  migrations              %d (%.2f per client; failed %d), moves per client %s%n",
                s.moves(),
                (double) s.moves() / s.sessions(),
                c.migrationsFailed(),
                s.sessionsByMoves());
        out.printf(
                Locale.ROOT,
                "  longest pause           %.1f ms (p99 %.1f ms)%n",
                c.pauseMaxMillis(),
                c.pauseP99Millis());
        out.printf(
                Locale.ROOT, "  stream rows             duplicated %d, missing %d%n", c.duplicateRows(), c.seqGaps());
        out.printf(Locale.ROOT, "  worst 1-second p99      %.1f ms (command latency)%n", worstP99Millis);
        out.printf(Locale.ROOT, "  server versions         %s%n", s.sessionsByVersion());
        out.printf(
                Locale.ROOT,
                "  fleet migrations        completed %d, failed %d (operator's count)%n",
                status.migrations().completedCount(),
                status.migrations().failedCount());
        out.printf(
                Locale.ROOT,
                "  extra clients (autoscaling) %d: commands run %d, failed %d, lost %d, migrations %d (failed %d)%n",
                surge.sessions(),
                surge.commandsOk(),
                surge.commandsFailed() + surge.wrongAnswers(),
                surge.sessionsLost(),
                surge.moves(),
                surge.client().migrationsFailed());
        for (Map.Entry<String, Long> e : s.sessionsByPod().entrySet()) {
            out.printf(Locale.ROOT, "  sessions on %-24s %d%n", e.getKey(), e.getValue());
        }
        s.failures().forEach(f -> out.println("  failure: " + f));
        out.println(clean ? "== OK: no client saw an error" : "== FAILED: see above");
        return clean ? 0 : 1;
    }

    private void command(String format, Object... args) {
        say("$ " + format, args);
    }

    private void pause(int seconds) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(seconds)); // the clients run meanwhile: this is how long the demo shows them
    }

    private synchronized void say(String format, Object... args) {
        double s = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "[%6.1fs] %s%n", s, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static String shortRevision(String revision) {
        return revision == null ? "-" : revision.length() > 6 ? revision.substring(0, 6) : revision;
    }

    private static String shortPod(String name) {
        return name.length() > 14 ? name.substring(name.length() - 14) : name;
    }
}
