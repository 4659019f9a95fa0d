package dev.ferry.operator.podset;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminReport;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.admin.PodAdminStatusSource;
import dev.ferry.operator.drain.AdminHealth;
import dev.ferry.operator.drain.DrainController;
import dev.ferry.operator.drain.DrainPlan;
import dev.ferry.operator.drain.DrainPlanner;
import dev.ferry.operator.drain.FleetPods;
import dev.ferry.operator.drain.MigrationTotals;
import dev.ferry.operator.drain.PeerSync;
import dev.ferry.operator.drain.PodWrites;
import dev.ferry.operator.drain.RebalancePlan;
import dev.ferry.operator.drain.RebalancePlanner;
import dev.ferry.operator.drain.Rebalancer;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.resources.FleetPod;
import dev.ferry.operator.resources.PodRevision;
import dev.ferry.operator.resources.RebalanceState;
import dev.ferry.operator.status.AutoscalingReport;
import dev.ferry.operator.status.FleetObservation;
import dev.ferry.operator.status.FleetStatusCalculator;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One reconciliation of a fleet's pods, as a pipeline of named steps run in this order:
 *
 * <ol>
 *   <li>{@link #observe}: the pods, the nodes they run on, and what each pod's admin API last
 *       reported ({@link PodAdminStatusSource} polls them);
 *   <li>{@link #advanceDrains}: one step of every drain under way ({@link DrainController});
 *   <li>{@link #autoscale}: with spec.autoscaling, replicas from the sessions ({@link FleetAutoscaling});
 *   <li>{@link #plan}: pods to create and pods to drain ({@link DrainPlanner});
 *   <li>{@link #createPods}: scale-up, replacements, rollout surge;
 *   <li>{@link #markVictims}: the pods chosen for removal stop taking clients and start their drain;
 *   <li>{@link #syncPeers}: every serving pod knows its peers (SIGTERM without the operator);
 *   <li>{@link #rebalance}: after a scale-up, sessions move onto the new pods;
 *   <li>{@link #checkAdminHealth}: admin API calls that keep failing show in the status and Events;
 *   <li>{@link #status}: the fleet's status from all of the above.
 * </ol>
 *
 * <p>An instance lives for one reconciliation; what must outlive it is on the pods (drain records,
 * rebalance marks) or in the collaborators of {@link Shared}.
 */
public final class PodSetReconciliation {

    private static final Logger log = Logger.getLogger(PodSetReconciliation.class);
    /** How old the session counts a plan acts on may be. */
    static final Duration FRESH = PodAdminStatusSource.BUSY_PERIOD.multipliedBy(2);

    /** What outlives a reconciliation: owned by the reconciler, one of each per operator. */
    public record Shared(Rebalancer rebalancer, AdminHealth adminHealth, MigrationTotals migrationTotals) {}

    /** The new status, and whether something is under way (reconcile again soon). */
    public record Result(ServerFleetStatus status, boolean busy) {}

    private final ServerFleet fleet;
    private final FleetPodCache cache;
    private final KubernetesClient client;
    private final FleetEvents events;
    private final PodAdminClient admin;
    private final PodAdminStatusSource adminStatuses;
    private final Shared shared;
    private final Instant now;
    private final String revision;
    private final PodWrites writes;
    private final DrainController drains;
    private final List<String> adminFailures = new ArrayList<>();

    private Map<String, PodAdminStatus> statuses = Map.of();
    private Map<String, Instant> fetchedAt = Map.of();
    private Map<String, String> drainingNodes = Map.of();
    private DrainPlan plan;
    private RebalancePlan rebalance = RebalancePlan.none();
    private AdminHealth.Verdict health;
    private boolean waitingForCounts;
    private AutoscalingReport autoscaling;

    public PodSetReconciliation(
            ServerFleet fleet,
            FleetPodCache cache,
            KubernetesClient client,
            FleetEvents events,
            PodAdminClient admin,
            PodAdminStatusSource adminStatuses,
            Shared shared,
            Instant now) {
        this.fleet = fleet;
        this.adminStatuses = adminStatuses;
        this.cache = cache;
        this.client = client;
        this.events = events;
        this.admin = admin;
        this.shared = shared;
        this.now = now;
        this.revision = PodRevision.of(FleetPod.template(fleet));
        this.writes = new PodWrites(client, cache);
        this.drains = new DrainController(fleet, writes, events, admin);
    }

    /** Runs every step and returns the fleet's new status. */
    public Result run() {
        observe();
        advanceDrains();
        autoscale();
        plan();
        createPods();
        markVictims();
        syncPeers();
        rebalance();
        checkAdminHealth();
        return status();
    }

    void observe() {
        Set<PodAdminReport> reports = adminStatuses.getSecondaryResources(fleet);
        statuses = PodAdminStatusSource.statuses(reports);
        Map<String, Instant> at = new HashMap<>();
        reports.forEach(r -> at.put(r.pod(), r.fetchedAt()));
        fetchedAt = at;
        adminFailures.addAll(PodAdminStatusSource.failures(reports));
        drainingNodes = cache.drainingNodes();
    }

    void advanceDrains() {
        drains.advance(pods(), now);
    }

    /**
     * Sets spec.replicas from the sessions when the fleet asks for it; the write starts another
     * reconciliation, which plans with the new replicas.
     */
    void autoscale() {
        FleetPods view = pods();
        boolean settled = FleetAutoscaling.settled(view, fleet.getSpec().getReplicas(), drains.inProgress());
        autoscaling = FleetAutoscaling.step(fleet, view, settled, cache.autoscalers(), client, events, now);
    }

    /**
     * Plans from the pods' session counts, so it acts only on counts read within {@link #FRESH}: older
     * ones (a settled fleet is polled every {@link PodAdminStatusSource#STEADY_PERIOD}) could pick the
     * wrong pod to remove or miss the sessions a new pod should get. Then the pods are polled at once and
     * the plan waits for the next reconciliation.
     */
    void plan() {
        plan = DrainPlanner.plan(fleet, pods());
        boolean acts = plan.podsToCreate() > 0 || !plan.victims().isEmpty();
        Instant readBy = now.minus(FRESH);
        if (acts && fetchedAt.values().stream().anyMatch(at -> at.isBefore(readBy))) {
            log.debugf(
                    "ServerFleet %s/%s: session counts older than %s; planning after a fresh poll",
                    fleet.getMetadata().getNamespace(), fleet.getMetadata().getName(), FRESH);
            adminStatuses.pollSoon(fleet);
            plan = new DrainPlan(0, List.of(), plan.reason(), plan.displaced());
            waitingForCounts = true;
        }
    }

    void createPods() {
        if (plan.podsToCreate() == 0) {
            return;
        }
        if (cache.missesPods(client)) {
            log.infof(
                    "ServerFleet %s/%s: the pod cache lags the API server; creating pods in a later reconciliation",
                    fleet.getMetadata().getNamespace(), fleet.getMetadata().getName());
            return;
        }
        FleetPods view = pods();
        boolean rebalanceOnto = rebalanceAfterScaleUp(view);
        int active = view.active().size();
        for (int i = 0; i < plan.podsToCreate(); i++) {
            Pod desired = FleetPod.desired(fleet);
            if (rebalanceOnto) {
                Map<String, String> annotations = new HashMap<>(
                        Objects.requireNonNullElse(desired.getMetadata().getAnnotations(), Map.of()));
                annotations.put(RebalanceState.ANNOTATION, RebalanceState.PENDING);
                desired.getMetadata().setAnnotations(annotations);
            }
            Pod pod = client.resource(desired).create();
            cache.created(pod);
            log.infof(
                    "Created pod %s/%s",
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            events.normal(
                    fleet,
                    "PodCreated",
                    "Create",
                    pod,
                    "Created pod " + pod.getMetadata().getName() + " (revision " + PodPhases.revision(pod) + "): "
                            + (active + i + 1) + " active, " + fleet.getSpec().getReplicas() + " wanted." + replacing()
                            + (rebalanceOnto ? " Sessions will be rebalanced onto it once it serves." : ""));
        }
    }

    void markVictims() {
        drains.mark(plan.victims(), plan::reasonFor, this::displacedNote, now);
        if (drains.wantsFreshStatus()) {
            adminStatuses.pollSoon(fleet);
        }
    }

    void syncPeers() {
        List<String> failures = PeerSync.sync(fleet, pods(), admin);
        if (!failures.isEmpty()) {
            events.warning(
                    fleet,
                    "PeersUpdateFailed",
                    "UpdatePeers",
                    null,
                    "Cannot update peers: " + String.join("; ", failures));
        }
        failures.forEach(f -> adminFailures.add(f.replaceFirst(": ", ": peers: ")));
    }

    void rebalance() {
        rebalance = shared.rebalancer().step(fleet, pods(), changing(), now, admin, writes, events, adminFailures);
    }

    void checkAdminHealth() {
        adminFailures.addAll(drains.callFailures());
        health = shared.adminHealth().record(fleet, adminFailures);
        switch (health.change()) {
            case DEGRADED -> {
                log.warnf(
                        "ServerFleet %s/%s: %s",
                        fleet.getMetadata().getNamespace(),
                        fleet.getMetadata().getName(),
                        health.degraded().orElse(""));
                events.warning(
                        fleet,
                        "AdminCallsFailing",
                        "Poll",
                        null,
                        health.degraded().orElse(""));
            }
            case RECOVERED ->
                events.normal(fleet, "AdminCallsRecovered", "Poll", null, "Every pod's admin API answers again.");
            case NONE -> {}
        }
    }

    Result status() {
        Map<String, Long> sessions = new HashMap<>();
        statuses.forEach((pod, s) -> sessions.put(pod, s.sessions()));
        long inFlight = statuses.values().stream()
                .mapToLong(PodAdminStatus::migrationsInFlight)
                .sum();
        FleetObservation seen = new FleetObservation(
                cache.owned(),
                revision,
                sessions,
                shared.migrationTotals().add(fleet, drains.migrated(), drains.failed(), inFlight),
                health.degraded().orElse(null),
                autoscaling);
        ServerFleetStatus status = FleetStatusCalculator.compute(fleet, seen, now);
        boolean busy = changing() || !adminFailures.isEmpty() || rebalance.step() != RebalancePlan.Step.NONE;
        return new Result(status, busy);
    }

    /** The pods as the drain logic sees them now (the cache reflects this reconciliation's own writes). */
    private FleetPods pods() {
        return new FleetPods(cache.drainable(), statuses, revision, drainingNodes.keySet(), fetchedAt);
    }

    /** Pods are being created, drained or replaced. */
    private boolean changing() {
        FleetPods after = pods();
        return drains.inProgress()
                || waitingForCounts
                || !after.draining().isEmpty()
                || plan.podsToCreate() > 0
                || !plan.displaced().isEmpty()
                || !plan.victims().isEmpty()
                || after.active().stream().anyMatch(p -> !after.isNew(p));
    }

    /**
     * Whether the pods this plan creates get sessions moved onto them: a scale-up (not a rollout or node
     * drain, nor the fleet's first pods) of a fleet with rebalance on. The sessions to move are counted
     * once the new pods serve ({@link RebalancePlanner}), not now: clients that connect while the pods
     * start are as much the fleet's load as those counted before.
     */
    private boolean rebalanceAfterScaleUp(FleetPods view) {
        return RebalancePlanner.enabled(fleet.getSpec())
                && plan.reason() == DrainReason.ScaleDown
                && plan.displaced().isEmpty()
                && view.active().stream().allMatch(view::isNew)
                && !view.serving().isEmpty();
    }

    /** For the PodCreated Event of replacements: which pods on which nodes they replace. */
    private String replacing() {
        if (plan.reason() != DrainReason.NodeDrain || plan.displaced().isEmpty()) {
            return "";
        }
        return " Replaces pod(s) on draining nodes or evicted: "
                + String.join(
                        ", ",
                        plan.displaced().stream()
                                .map(p -> p.getMetadata().getName() + " " + displacedNote(p))
                                .toList())
                + ".";
    }

    /** Why a displaced pod goes: its node's drain, a refused eviction, or both. */
    private String displacedNote(Pod pod) {
        List<String> why = new ArrayList<>();
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (node != null && drainingNodes.containsKey(node)) {
            why.add("node " + node + " is " + drainingNodes.get(node));
        }
        if (EvictionRequest.isRequested(pod)) {
            why.add("its eviction was refused at "
                    + EvictionRequest.requestedAt(pod).map(Instant::toString).orElse("an unknown time")
                    + " so that it drains first");
        }
        return why.isEmpty() ? "" : "(" + String.join("; ", why) + ")";
    }
}
