package dev.ferry.operator;

import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatusSource;
import dev.ferry.operator.dependent.OwnedResources;
import dev.ferry.operator.drain.AdminHealth;
import dev.ferry.operator.drain.MigrationTotals;
import dev.ferry.operator.drain.NodeDrains;
import dev.ferry.operator.drain.Rebalancer;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.podset.DeletedPods;
import dev.ferry.operator.podset.FleetActivity;
import dev.ferry.operator.podset.FleetPodCache;
import dev.ferry.operator.podset.PodSetReconciliation;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.status.ConditionType;
import dev.ferry.operator.status.Conditions;
import dev.ferry.operator.status.KstatusConditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Reconciles a {@link ServerFleet} in two parts: the objects it owns besides its pods ({@link
 * OwnedResources}: a workflow of dependent resources, its Secrets, Services and budget), and its pods
 * ({@link PodSetReconciliation}: a pipeline of named steps that creates, drains and deletes pods and
 * computes the status). The status is written by a patch, only when it changed.
 */
@ControllerConfiguration(name = ServerFleetReconciler.NAME, fieldManager = ServerFleetReconciler.FIELD_MANAGER)
public class ServerFleetReconciler implements Reconciler<ServerFleet> {

    public static final String NAME = "serverfleet";
    public static final String FIELD_MANAGER = "ferry-operator";
    private static final Logger log = Logger.getLogger(ServerFleetReconciler.class);
    /** While pods drain or a rollout runs: how soon to look at their session counts again. */
    static final Duration BUSY_REQUEUE = Duration.ofSeconds(1);
    /** Otherwise: how often session counts in the status are refreshed. */
    static final Duration STEADY_REQUEUE = Duration.ofSeconds(15);
    /** Name of the HorizontalPodAutoscaler event source. */
    static final String AUTOSCALERS = "autoscalers";
    /** Name of the event source that only sees fleets being deleted. */
    static final String FLEET_DELETIONS = "fleet-deletions";

    /** Who acts, in Events' reportingInstance (the operator pod's name). */
    private final String instance;

    private final OwnedResources owned;
    private final DeletedPods deletedPods = new DeletedPods();
    private final PodSetReconciliation.Shared podSet =
            new PodSetReconciliation.Shared(new Rebalancer(), new AdminHealth(), new MigrationTotals());
    private volatile PodAdminStatusSource adminStatuses;

    public ServerFleetReconciler() {
        this(Objects.requireNonNullElse(System.getenv("POD_NAME"), "ferry-operator"));
    }

    /** {@code instance} names this operator replica in the Events it writes. */
    public ServerFleetReconciler(String instance) {
        this.instance = Objects.requireNonNull(instance, "instance");
        this.owned = new OwnedResources(instance);
    }

    @Override
    public List<EventSource<?, ServerFleet>> prepareEventSources(EventSourceContext<ServerFleet> context) {
        // Only pods labelled with a fleet are cached; they map to their fleet by owner reference.
        var pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, ServerFleet.class)
                        .withLabelSelector(FleetLabels.FLEET)
                        .build(),
                context);
        // Nodes: a cordon or drain taint (or its removal) reconciles the fleets with pods on that node.
        var nodes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Node.class, ServerFleet.class)
                        .withName(FleetPodCache.NODES)
                        .withWatchAllNamespaces()
                        .withFollowControllerNamespacesChanges(false)
                        .withSecondaryToPrimaryMapper((Node node) ->
                                fleetsOnNode(pods, node.getMetadata().getName()))
                        .withOnAddFilter(NodeDrains::isDraining)
                        .withOnUpdateFilter(
                                (Node now, Node before) -> NodeDrains.isDraining(now) != NodeDrains.isDraining(before))
                        .build(),
                context);
        // HorizontalPodAutoscalers that target a fleet: the operator's own autoscaler stands aside for them.
        var autoscalers = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(HorizontalPodAutoscaler.class, ServerFleet.class)
                        .withName(AUTOSCALERS)
                        .withSecondaryToPrimaryMapper(ServerFleetReconciler::scaledFleet)
                        .build(),
                context);
        // Fleet deletions: nothing to reconcile (owner references remove what the fleet owned), but the
        // per-fleet state kept here goes. The filter forgets and never triggers a reconciliation.
        var deletions = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ServerFleet.class, ServerFleet.class)
                        .withName(FLEET_DELETIONS)
                        .withSecondaryToPrimaryMapper((ServerFleet f) -> Set.of(ResourceID.fromResource(f)))
                        .withOnAddFilter(f -> false)
                        .withOnUpdateFilter((now, before) -> false)
                        .withOnDeleteFilter((f, unknown) -> {
                            forget(f.getMetadata().getUid());
                            return false;
                        })
                        .build(),
                context);
        adminStatuses = new PodAdminStatusSource(new PolledFleets(context.getPrimaryCache(), pods), Clock.systemUTC());
        List<EventSource<?, ServerFleet>> sources =
                new ArrayList<>(List.of(pods, nodes, autoscalers, deletions, adminStatuses));
        sources.addAll(owned.eventSources(context));
        return sources;
    }

    /** What the admin status poller needs of a fleet, from the caches alone (it runs off the reconciliation). */
    private final class PolledFleets implements PodAdminStatusSource.Fleets {
        private final IndexerResourceCache<ServerFleet> fleets;
        private final InformerEventSource<Pod, ServerFleet> pods;

        PolledFleets(IndexerResourceCache<ServerFleet> fleets, InformerEventSource<Pod, ServerFleet> pods) {
            this.fleets = fleets;
            this.pods = pods;
        }

        @Override
        public List<Pod> pods(ResourceID id) {
            return fleets.get(id).map(this::podsOf).orElse(List.of());
        }

        @Override
        public Optional<PodAdminClient> admin(ResourceID id) {
            return fleets.get(id).flatMap(fleet -> owned.knownAccess(fleet).map(access -> adminClient(fleet, access)));
        }

        @Override
        public boolean autoscaled(ResourceID id) {
            return fleets.get(id)
                    .map(fleet -> fleet.getSpec().getAutoscaling() != null)
                    .orElse(false);
        }

        @Override
        public boolean busy(ResourceID id) {
            return fleets.get(id)
                    .map(fleet -> FleetActivity.isChanging(fleet, podsOf(fleet)))
                    .orElse(false);
        }

        private List<Pod> podsOf(ServerFleet fleet) {
            return pods.getSecondaryResources(fleet).stream()
                    .filter(p -> FleetLabels.isOwnedBy(p, fleet))
                    .toList();
        }
    }

    /** Drops what this operator keeps about a fleet that is gone. */
    void forget(String fleetUid) {
        deletedPods.forget(fleetUid);
        podSet.migrationTotals().forget(fleetUid);
        podSet.adminHealth().forget(fleetUid);
        podSet.rebalancer().forget(fleetUid);
        log.debugf("Forgot fleet %s", fleetUid);
    }

    /** Whether this operator keeps per-fleet state for the fleet (tests check nothing leaks). */
    public boolean tracks(String fleetUid) {
        return deletedPods.tracks(fleetUid)
                || podSet.migrationTotals().tracks(fleetUid)
                || podSet.adminHealth().tracks(fleetUid)
                || podSet.rebalancer().tracks(fleetUid);
    }

    /** The fleet a HorizontalPodAutoscaler scales, if its target is a ServerFleet. */
    private static Set<ResourceID> scaledFleet(HorizontalPodAutoscaler hpa) {
        var ref = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
        if (ref == null || !"ServerFleet".equals(ref.getKind()) || ref.getName() == null) {
            return Set.of();
        }
        return Set.of(new ResourceID(ref.getName(), hpa.getMetadata().getNamespace()));
    }

    /** The fleets with a pod on {@code node}. */
    private static Set<ResourceID> fleetsOnNode(InformerEventSource<Pod, ServerFleet> pods, String node) {
        Set<ResourceID> fleets = new HashSet<>();
        pods.list(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
                .forEach(p -> p.getMetadata().getOwnerReferences().stream()
                        .filter(o -> "ServerFleet".equals(o.getKind()))
                        .forEach(o -> fleets.add(
                                new ResourceID(o.getName(), p.getMetadata().getNamespace()))));
        return fleets;
    }

    @Override
    public UpdateControl<ServerFleet> reconcile(ServerFleet fleet, Context<ServerFleet> context) {
        if (fleet.getMetadata().getDeletionTimestamp() != null) {
            // Being deleted (another finalizer holds it): nothing to start; the garbage collector takes its pods.
            forget(fleet.getMetadata().getUid());
            return UpdateControl.noUpdate();
        }
        Instant now = Instant.now();
        FleetEvents events = new FleetEvents(context.getClient(), instance);
        PodAdminClient admin = adminClient(fleet, owned.reconcile(fleet, context));

        PodSetReconciliation.Result result = new PodSetReconciliation(
                        fleet,
                        new FleetPodCache(fleet, context, deletedPods),
                        context.getClient(),
                        events,
                        admin,
                        adminStatuses,
                        podSet,
                        now)
                .run();

        Duration next = result.busy() ? BUSY_REQUEUE : STEADY_REQUEUE;
        if (sameJson(result.status(), fleet.getStatus())) {
            return UpdateControl.<ServerFleet>noUpdate().rescheduleAfter(next);
        }
        // The status carries what the next reconciliation builds on (the autoscaler's recommendations and
        // its last change): patched and cached, so that a reconciliation the scale itself triggers does not
        // start from the status as it was before and write that back.
        PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(fleet, withStatus(fleet, result.status()), context);
        return UpdateControl.<ServerFleet>noUpdate().rescheduleAfter(next);
    }

    /** A client of the fleet's pods' admin API: HTTPS checked against the fleet's CA when TLS is on. */
    private static PodAdminClient adminClient(ServerFleet fleet, OwnedResources.AdminAccess access) {
        int port = fleet.getSpec().getAdminPort();
        return access.caPem()
                .map(ca -> new PodAdminClient(access.token(), port, ca, FleetTlsSecrets.expectedName(fleet)))
                .orElseGet(() -> new PodAdminClient(access.token(), port));
    }

    /** Records the failure in the ReconcileError condition; JOSDK retries with back-off. */
    @Override
    public ErrorStatusUpdateControl<ServerFleet> updateErrorStatus(
            ServerFleet fleet, Context<ServerFleet> context, Exception e) {
        log.warnf(
                e,
                "Reconciling ServerFleet %s/%s failed",
                fleet.getMetadata().getNamespace(),
                fleet.getMetadata().getName());
        ServerFleetStatus status =
                Serialization.clone(fleet.getStatus() == null ? new ServerFleetStatus() : fleet.getStatus());
        long generation = Objects.requireNonNullElse(fleet.getMetadata().getGeneration(), 0L);
        String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getName());
        String shown = message.length() > 1000 ? message.substring(0, 1000) : message;
        String reason = e.getClass().getSimpleName();
        boolean lastAttempt =
                context.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false);
        Conditions failed = new Conditions(status.getConditions(), generation, Instant.now())
                .set(ConditionType.ReconcileError, true, reason, shown);
        KstatusConditions.afterFailure(failed, reason, shown, lastAttempt);
        List<Condition> changed = failed.build();
        status.setConditions(Conditions.merge(status.getConditions(), changed));
        if (sameJson(status, fleet.getStatus())) {
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        new FleetEvents(context.getClient(), instance).warning(fleet, "ReconcileFailed", "Reconcile", null, message);
        return ErrorStatusUpdateControl.patchStatus(withStatus(fleet, status));
    }

    /** A fleet carrying only what the status patch needs: JOSDK applies it to the status subresource. */
    private static ServerFleet withStatus(ServerFleet fleet, ServerFleetStatus status) {
        ServerFleet patch = new ServerFleet();
        patch.getMetadata().setName(fleet.getMetadata().getName());
        patch.getMetadata().setNamespace(fleet.getMetadata().getNamespace());
        patch.setStatus(status);
        return patch;
    }

    private static boolean sameJson(Object a, Object b) {
        return b != null
                && Serialization.jsonMapper()
                        .valueToTree(a)
                        .equals(Serialization.jsonMapper().valueToTree(b));
    }
}
