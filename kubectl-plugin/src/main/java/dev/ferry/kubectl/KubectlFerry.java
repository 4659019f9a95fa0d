package dev.ferry.kubectl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.MigrateResponse;
import dev.ferry.kubectl.CommandLine.Invocation;
import dev.ferry.kubectl.CommandLine.Output;
import dev.ferry.kubectl.CommandLine.UsageException;
import dev.ferry.kubectl.FerryCluster.Answer;
import dev.ferry.kubectl.FerryCluster.Fleet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl ferry}: the commands. Results for people go to stdout; errors to stderr with what to do about
 * them; logs (with -v) through SLF4J to stderr. Exit codes: 0 done, 1 failed, 2 bad arguments.
 */
public final class KubectlFerry {
    static final int OK = 0, FAILED = 1, USAGE = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration WAIT_POLL = Duration.ofSeconds(2);

    private final FerryCluster cluster;
    private final CommandLine.Options options;
    private final PrintStream out;
    private final Logger log = LoggerFactory.getLogger(KubectlFerry.class);

    private KubectlFerry(FerryCluster cluster, CommandLine.Options options, PrintStream out) {
        this.cluster = cluster;
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs {@code kubectl ferry ARGS}; returns the exit code. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        Invocation invocation;
        try {
            invocation = CommandLine.parse(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("See 'kubectl ferry " + (e.command() == null ? "" : e.command() + " ") + "--help'.");
            return USAGE;
        }
        if (invocation.command() instanceof CommandLine.Help help) {
            out.print(CommandLine.usage(help.topic()));
            return OK;
        }
        // Before the first logger exists: quiet unless -v.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        if (invocation.options().verbose()) System.setProperty("org.slf4j.simpleLogger.log.dev.ferry", "debug");
        // Fabric8 warns on every run that ferry.dev/v1alpha1 is not a stable version: nothing a user can act on.
        else System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", "error");
        try (FerryCluster cluster = FerryCluster.connect(invocation.options())) {
            KubectlFerry ferry = new KubectlFerry(cluster, invocation.options(), out);
            return switch (invocation.command()) {
                case CommandLine.Sessions s -> ferry.sessions(s.fleet(), err);
                case CommandLine.Drains d -> ferry.drains(d.fleet(), err);
                case CommandLine.Drain d -> ferry.drain(d, err);
                case CommandLine.Move m -> ferry.move(m);
                case CommandLine.Help h -> OK;
            };
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (KubernetesClientException e) {
            if (e.getCode() <= 0) {
                Throwable cause = e;
                while (cause.getCause() != null) cause = cause.getCause();
                err.println("error: cannot reach the API server: " + cause
                        + " (check the kubeconfig's server, or --context)");
                return FAILED;
            }
            err.println("error: the API server answered " + e.getCode() + ": " + e.getMessage()
                    + (e.getCode() == 403 ? "\n(the Role kubectl ferry needs: deploy/kubectl-ferry-role.yaml)" : ""));
            return FAILED;
        }
    }

    /** One pod's row of {@code sessions}. */
    record PodRow(
            String pod, String revision, boolean ready, String serving, String drain, PodStatus status, String error) {}

    int sessions(String fleetName, PrintStream err) {
        // The three reads are independent: ask them at once (each is a round trip to the API server).
        Fleet fleet;
        String token;
        List<Pod> pods;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var fleetRead = CompletableFuture.supplyAsync(() -> cluster.fleet(fleetName), pool);
            var tokenRead = CompletableFuture.supplyAsync(() -> cluster.adminToken(fleetName), pool);
            var podsRead = CompletableFuture.supplyAsync(() -> cluster.pods(fleetName), pool);
            fleet = joined(fleetRead); // first: no fleet explains a missing Secret
            token = joined(tokenRead);
            pods = joined(podsRead);
        }
        List<PodRow> rows = statuses(fleet, token, pods);
        if (options.output() == Output.JSON) {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("namespace", fleet.namespace());
            doc.put("fleet", fleet.name());
            doc.put(
                    "sessions",
                    rows.stream()
                            .filter(r -> r.status() != null)
                            .mapToLong(r -> r.status().sessions())
                            .sum());
            ArrayNode podList = doc.putArray("pods");
            for (PodRow r : rows) {
                ObjectNode p = podList.addObject();
                p.put("pod", r.pod());
                p.put("revision", r.revision());
                p.put("ready", r.ready());
                p.put("serving", r.serving());
                p.put("drain", r.drain());
                if (r.status() != null) {
                    p.put("sessions", r.status().sessions());
                    p.put("migrating", r.status().inFlight());
                    p.put("draining", r.status().draining() || r.drain() != null);
                    p.put("migrationsCompleted", r.status().migrated());
                    p.put("migrationsFailed", r.status().failed());
                } else {
                    p.put("error", r.error());
                }
            }
            out.println(json(doc));
        } else if (rows.isEmpty()) {
            out.println("ServerFleet " + fleet.namespace() + "/" + fleet.name() + " has no pods.");
        } else {
            out.print(sessionsTable(rows).render());
        }
        // A ready pod must answer; one that is starting or stopping may not, which is no failure of this command.
        rows.stream()
                .filter(r -> r.error() != null)
                .forEach(r -> err.println(
                        r.ready()
                                ? "error: pod " + r.pod() + ": " + r.error()
                                : "note: pod " + r.pod() + " is not ready: " + r.error()));
        return rows.stream().anyMatch(r -> r.error() != null && r.ready()) ? FAILED : OK;
    }

    static Table sessionsTable(List<PodRow> rows) {
        Table t = new Table("POD", "REVISION", "READY", "SERVING", "DRAIN", "SESSIONS", "MIGRATING");
        long total = 0;
        for (PodRow r : rows) {
            PodStatus s = r.status();
            String drain = r.drain() != null ? r.drain() : s != null && s.draining() ? "Draining (server)" : "-";
            t.row(
                    r.pod(),
                    r.revision(),
                    r.ready() ? "yes" : "no",
                    r.serving(),
                    drain,
                    s == null ? "?" : s.sessions(),
                    s == null ? "?" : s.inFlight());
            if (s != null) total += s.sessions();
        }
        t.row(
                "TOTAL",
                "",
                "",
                "",
                "",
                total,
                rows.stream()
                        .filter(r -> r.status() != null)
                        .mapToLong(r -> r.status().inFlight())
                        .sum());
        return t;
    }

    /** Each pod's status, asked in parallel through the API server. */
    private List<PodRow> statuses(Fleet fleet, String token, List<Pod> pods) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<PodRow>> rows = pods.stream()
                    .map(p -> CompletableFuture.supplyAsync(() -> row(fleet, token, p), pool))
                    .toList();
            return rows.stream().map(CompletableFuture::join).toList();
        }
    }

    private PodRow row(Fleet fleet, String token, Pod pod) {
        String name = pod.getMetadata().getName();
        String drain = DrainRecord.of(pod.getMetadata().getAnnotations())
                .map(d -> d.state() + (d.reason() == null ? "" : " (" + d.reason() + ")"))
                .orElse(null);
        String serving = Objects.requireNonNullElse(FerryCluster.label(pod, FerryCluster.SERVING_LABEL), "-");
        String revision = Objects.requireNonNullElse(FerryCluster.label(pod, FerryCluster.REVISION_LABEL), "-");
        boolean ready = FerryCluster.ready(pod);
        if (pod.getStatus() == null
                || pod.getStatus().getPodIP() == null
                || !"Running".equals(pod.getStatus().getPhase())) {
            String phase = pod.getStatus() == null ? "Unknown" : pod.getStatus().getPhase();
            return new PodRow(
                    name, revision, ready, serving, drain, null, "not running (" + phase + "): no admin API to ask");
        }
        try {
            Answer a = cluster.admin(fleet, pod, "GET", AdminPaths.STATUS, null, token);
            if (!a.ok()) {
                return new PodRow(
                        name,
                        revision,
                        ready,
                        serving,
                        drain,
                        null,
                        "GET /v1/status answered " + a.code() + ": " + a.message());
            }
            return new PodRow(name, revision, ready, serving, drain, PodStatus.parse(a.body()), null);
        } catch (RuntimeException e) {
            log.debug("status of {}", name, e);
            return new PodRow(name, revision, ready, serving, drain, null, e.getMessage());
        }
    }

    /** One drain of {@code drains}. */
    record DrainRow(String pod, String fleet, DrainRecord record, Long left, String error) {}

    int drains(String fleetName, PrintStream err) {
        List<Pod> pods;
        if (fleetName != null) {
            cluster.fleet(fleetName); // says so when there is no such fleet
            pods = cluster.pods(fleetName);
        } else {
            pods = cluster.fleetPods();
        }
        Map<String, Fleet> fleets = new HashMap<>();
        Map<String, String> tokens = new HashMap<>();
        List<DrainRow> rows = new ArrayList<>();
        for (Pod pod : pods) {
            var record = DrainRecord.of(pod.getMetadata().getAnnotations());
            if (record.isEmpty()) continue;
            String fleetOf = FerryCluster.label(pod, FerryCluster.FLEET_LABEL);
            Long left = null;
            String error = null;
            try {
                Fleet fleet = fleets.computeIfAbsent(fleetOf, cluster::fleet);
                String token = tokens.computeIfAbsent(fleetOf, cluster::adminToken);
                if (pod.getStatus() != null && pod.getStatus().getPodIP() != null) {
                    Answer a = cluster.admin(fleet, pod, "GET", AdminPaths.STATUS, null, token);
                    if (a.ok()) left = PodStatus.parse(a.body()).sessions();
                    else error = "GET /v1/status answered " + a.code() + ": " + a.message();
                } else {
                    error = "the pod has no address";
                }
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            rows.add(new DrainRow(pod.getMetadata().getName(), fleetOf, record.get(), left, error));
        }
        Instant now = Instant.now();
        if (options.output() == Output.JSON) {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("namespace", cluster.namespace());
            ArrayNode drains = doc.putArray("drains");
            for (DrainRow r : rows) {
                ObjectNode d = drains.addObject();
                d.put("pod", r.pod());
                d.put("fleet", r.fleet());
                d.put("state", r.record().state());
                d.put("reason", r.record().reason());
                d.put(
                        "requestedAt",
                        r.record().requestedAt() == null
                                ? null
                                : r.record().requestedAt().toString());
                d.put(
                        "startedAt",
                        r.record().startedAt() == null
                                ? null
                                : r.record().startedAt().toString());
                ArrayNode targets = d.putArray("targets");
                r.record().targets().forEach(targets::add);
                d.put("sessionsAtStart", r.record().sessionsAtStart());
                if (r.left() != null) d.put("sessionsLeft", r.left());
                if (r.error() != null) d.put("error", r.error());
                if (r.record().problem() != null) d.put("problem", r.record().problem());
            }
            out.println(json(doc));
        } else if (rows.isEmpty()) {
            out.println("No drains under way in "
                    + (fleetName == null
                            ? "namespace " + cluster.namespace()
                            : "ServerFleet " + cluster.namespace() + "/" + fleetName)
                    + ".");
        } else {
            out.print(drainsTable(rows, now).render());
        }
        rows.stream()
                .filter(r -> r.error() != null)
                .forEach(r -> err.println("warning: pod " + r.pod() + ": sessions left unknown: " + r.error()));
        rows.stream()
                .filter(r -> r.record().problem() != null)
                .forEach(r -> err.println(
                        "warning: pod " + r.pod() + ": " + r.record().problem()));
        return OK;
    }

    static Table drainsTable(List<DrainRow> rows, Instant now) {
        Table t = new Table("POD", "FLEET", "STATE", "REASON", "REQUESTED", "STARTED", "TARGETS", "AT START", "LEFT");
        for (DrainRow r : rows) {
            DrainRecord d = r.record();
            t.row(
                    r.pod(),
                    r.fleet(),
                    d.state(),
                    d.reason() == null ? "-" : d.reason(),
                    age(d.requestedAt(), now),
                    age(d.startedAt(), now),
                    d.targets().isEmpty() ? "-" : String.join(",", d.targets()),
                    d.startedAt() == null ? "-" : d.sessionsAtStart(),
                    r.left() == null ? "?" : r.left());
        }
        return t;
    }

    /** kubectl's way of showing a time: how long ago, in its largest units. */
    static String age(Instant then, Instant now) {
        if (then == null) return "-";
        long s = Math.max(0, Duration.between(then, now).toSeconds());
        if (s < 120) return s + "s ago";
        if (s < 3600) return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") + " ago";
        if (s < 48 * 3600) return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m") + " ago";
        return (s / 86400) + "d ago";
    }

    int drain(CommandLine.Drain command, PrintStream err) {
        String name = command.pod();
        Pod pod = cluster.pod(name);
        if (pod == null) {
            err.println("error: no pod " + name + " in namespace " + cluster.namespace());
            return FAILED;
        }
        String fleetName = FerryCluster.label(pod, FerryCluster.FLEET_LABEL);
        if (fleetName == null) {
            err.println("error: pod " + name + " is not a ServerFleet's pod (no " + FerryCluster.FLEET_LABEL
                    + " label): use kubectl drain or kubectl delete for it");
            return FAILED;
        }
        String uid = pod.getMetadata().getUid();
        Set<String> before = cluster.pods(fleetName).stream()
                .map(p -> p.getMetadata().getName())
                .collect(Collectors.toSet());
        long start = System.nanoTime();
        Answer answer = cluster.evict(name);
        switch (answer.code()) {
            case 200, 201 ->
                out.println("pod/" + name + " evicted: the API server let the eviction through (the pod held no"
                        + " session the operator can move, or no operator webhook answered); its server drains itself to its"
                        + " peers on SIGTERM");
            case 429 -> {
                out.println("pod/" + name + " eviction refused for now (429 TooManyRequests): " + answer.message());
                out.println(
                        "The operator drains it: a replacement pod starts, the sessions migrate, then it deletes pod/"
                                + name + ".");
            }
            case 404 -> {
                err.println("error: pod " + name + " is gone (404): " + answer.message());
                return FAILED;
            }
            case 403 -> {
                err.println("error: not allowed to evict pod " + name + " (403): " + answer.message()
                        + "\n(the Role kubectl ferry needs: deploy/kubectl-ferry-role.yaml)");
                return FAILED;
            }
            default -> {
                err.println("error: the Eviction of pod " + name + " was answered " + answer.code() + ": "
                        + answer.message());
                return FAILED;
            }
        }
        if (!command.await()) {
            out.println("Follow it with: kubectl ferry drains " + fleetName + " -n " + cluster.namespace());
            return OK;
        }
        return follow(name, uid, fleetName, before, start, command.timeout(), err);
    }

    /** --wait: prints each change of the drain until the pod is gone, or the timeout. */
    private int follow(
            String name,
            String uid,
            String fleetName,
            Set<String> before,
            long start,
            Duration timeout,
            PrintStream err) {
        long deadline = start + timeout.toNanos();
        String last = null;
        Fleet fleet = cluster.fleet(fleetName);
        String token = cluster.adminToken(fleetName);
        while (true) {
            Pod pod = cluster.pod(name);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (pod == null || !uid.equals(pod.getMetadata().getUid())) {
                List<String> added = cluster.pods(fleetName).stream()
                        .map(p -> p.getMetadata().getName())
                        .filter(n -> !before.contains(n))
                        .toList();
                out.printf(
                        "pod/%s is gone after %.1f s%s%n",
                        name,
                        elapsed / 1000.0,
                        added.isEmpty()
                                ? ""
                                : "; new pods of ServerFleet " + fleetName + ": " + String.join(", ", added));
                return OK;
            }
            String now = progress(fleet, token, pod);
            if (!now.equals(last)) {
                out.printf("%6.1fs  pod/%s: %s%n", elapsed / 1000.0, name, now);
                last = now;
            }
            if (System.nanoTime() > deadline) {
                err.println("error: pod " + name + " is still there after " + timeout.toSeconds() + " s (" + now
                        + "); see kubectl ferry drains " + fleetName + " and the fleet's Events");
                return FAILED;
            }
            try {
                Thread.sleep(WAIT_POLL.toMillis()); // the poll interval of --wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FAILED;
            }
        }
    }

    private String progress(Fleet fleet, String token, Pod pod) {
        StringBuilder b = new StringBuilder();
        var record = DrainRecord.of(pod.getMetadata().getAnnotations());
        b.append(record.map(d -> d.state() + (d.reason() == null ? "" : " (" + d.reason() + ")"))
                .orElse("no drain recorded yet"));
        if (pod.getMetadata().getDeletionTimestamp() != null) b.append(", terminating");
        if (pod.getStatus() != null
                && pod.getStatus().getPodIP() != null
                && pod.getMetadata().getDeletionTimestamp() == null) {
            try {
                Answer a = cluster.admin(fleet, pod, "GET", AdminPaths.STATUS, null, token);
                if (a.ok()) {
                    PodStatus s = PodStatus.parse(a.body());
                    b.append(", ")
                            .append(s.sessions())
                            .append(" sessions left, ")
                            .append(s.inFlight())
                            .append(" migrating");
                }
            } catch (RuntimeException e) {
                log.debug("status of {} while it drains", pod.getMetadata().getName(), e);
            }
        }
        return b.toString();
    }

    int move(CommandLine.Move command) {
        Pod source = cluster.pod(command.pod());
        if (source == null)
            throw new IllegalStateException("no pod " + command.pod() + " in namespace " + cluster.namespace());
        String fleetName = FerryCluster.label(source, FerryCluster.FLEET_LABEL);
        if (fleetName == null) {
            throw new IllegalStateException(
                    "pod " + command.pod() + " is not a ServerFleet's pod (no " + FerryCluster.FLEET_LABEL + " label)");
        }
        Fleet fleet = cluster.fleet(fleetName);
        Map<String, Pod> pods = new LinkedHashMap<>();
        cluster.pods(fleetName).forEach(p -> pods.put(p.getMetadata().getName(), p));
        List<Pod> targets = new ArrayList<>();
        if (command.to().isEmpty()) {
            for (Pod p : pods.values()) {
                if (p.getMetadata().getName().equals(command.pod())) continue;
                if ("true".equals(FerryCluster.label(p, FerryCluster.SERVING_LABEL))
                        && FerryCluster.ready(p)
                        && DrainRecord.of(p.getMetadata().getAnnotations()).isEmpty()
                        && p.getMetadata().getDeletionTimestamp() == null
                        && p.getStatus().getPodIP() != null) {
                    targets.add(p);
                }
            }
            if (targets.isEmpty()) {
                throw new IllegalStateException(
                        "ServerFleet " + fleetName + " has no other serving pod to move sessions to");
            }
        } else {
            for (String name : command.to()) {
                Pod p = pods.get(name);
                if (p == null)
                    throw new IllegalStateException(
                            "--to " + name + ": no pod of ServerFleet " + fleetName + " has that name");
                if (p.getStatus() == null || p.getStatus().getPodIP() == null || !FerryCluster.ready(p)) {
                    throw new IllegalStateException(
                            "--to " + name + ": the pod is not ready, so it cannot take sessions");
                }
                if (DrainRecord.of(p.getMetadata().getAnnotations()).isPresent()) {
                    throw new IllegalStateException("--to " + name + ": the pod is draining itself");
                }
                targets.add(p);
            }
        }
        List<String> addresses = targets.stream().map(fleet::target).distinct().toList();
        MigrateRequest body = MigrateRequest.ofCount(command.count(), addresses);
        Answer a = cluster.admin(
                fleet, source, "POST", AdminPaths.MIGRATE, AdminJson.toJson(body), cluster.adminToken(fleetName));
        if (!a.ok()) {
            throw new IllegalStateException(
                    "POST /v1/migrate of pod " + command.pod() + " answered " + a.code() + ": " + a.message());
        }
        long requested;
        try {
            requested = AdminJson.read(a.body(), MigrateResponse.class).requested();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("POST /v1/migrate of pod " + command.pod()
                    + " answered something that is not its answer: " + e.getMessage());
        }
        String names = targets.stream().map(p -> p.getMetadata().getName()).collect(Collectors.joining(", "));
        if (options.output() == Output.JSON) {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("pod", command.pod());
            doc.put("asked", command.count());
            doc.put("requested", requested);
            ArrayNode to = doc.putArray("to");
            targets.forEach(p -> to.add(p.getMetadata().getName()));
            ArrayNode list = doc.putArray("targets");
            addresses.forEach(list::add);
            out.println(json(doc));
        } else {
            out.println("pod/" + command.pod() + " asked " + requested + " of its sessions to migrate to " + names
                    + " (" + String.join(", ", addresses) + ")"
                    + (requested < command.count()
                            ? "; " + command.count() + " were asked for, the others are migrating already or not there"
                            : ""));
        }
        return OK;
    }

    /** The result, or the exception it failed with as it was thrown. */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private static String json(ObjectNode doc) {
        try {
            return JSON.writeValueAsString(doc);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
