package dev.ferry.operator;

import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.AdminService;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.operator.resources.ClientService;
import dev.ferry.operator.resources.FleetDisruptionBudget;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.FleetPod;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.resources.PodRevision;
import dev.ferry.operator.resources.RebalanceState;
import dev.ferry.operator.tls.FleetTls;
import dev.ferry.operator.drain.RebalancePlan;
import dev.ferry.operator.drain.Rebalancer;
import dev.ferry.operator.status.ConditionType;
import dev.ferry.operator.status.Conditions;
import dev.ferry.operator.status.FleetObservation;
import dev.ferry.operator.status.FleetStatusCalculator;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.drain.AdminHealth;
import dev.ferry.operator.drain.AdminPoller;
import dev.ferry.operator.drain.DrainController;
import dev.ferry.operator.drain.DrainPlan;
import dev.ferry.operator.drain.DrainPlanner;
import dev.ferry.operator.drain.DrainReason;
import dev.ferry.operator.drain.NodeDrains;
import dev.ferry.operator.drain.FleetPods;
import dev.ferry.operator.drain.MigrationTotals;
import dev.ferry.operator.drain.PeerSync;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Reconciles a {@link ServerFleet}: its admin-token Secret, client and admin Services, its
 * PodDisruptionBudget (when enabled), and pods up
 * to {@code replicas}; then writes the status (server-side apply, only when it changed).
 *
 * <p>Each owned resource's desired state comes from a side-effect-free {@code desired(fleet)} in
 * {@code dev.ferry.operator.resources}; this class only compares and applies. Drains (scale-down,
 * rollout) are planned by {@link DrainPlanner} and carried out by {@link DrainController}; their
 * state lives on the pods as annotations. Admin API calls are bounded by {@link PodAdminClient#TIMEOUT}
 * and made in parallel, so a reconciliation never holds its thread for long.
 */
@ControllerConfiguration(name = ServerFleetReconciler.NAME, fieldManager = ServerFleetReconciler.FIELD_MANAGER)
public class ServerFleetReconciler implements Reconciler<ServerFleet> {

  public static final String NAME = "serverfleet";
  public static final String FIELD_MANAGER = "ferry-operator";
  private static final Logger log = Logger.getLogger(ServerFleetReconciler.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Kubernetes' own alphabet for generated name suffixes: no vowels, no look-alike characters. */
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  /** While pods drain or a rollout runs: how soon to look at their session counts again. */
  static final Duration BUSY_REQUEUE = Duration.ofSeconds(1);
  /** Otherwise: how often session counts in the status are refreshed. */
  static final Duration STEADY_REQUEUE = Duration.ofSeconds(15);
  /** Name of the Node event source. */
  static final String NODES = "nodes";
  /** Name of the event source that only sees fleets being deleted. */
  static final String FLEET_DELETIONS = "fleet-deletions";

  /** Pods this operator deleted (uid → fleet uid) that the informer may still show as running. */
  private final Map<String, String> recentlyDeleted = new ConcurrentHashMap<>();
  /** Drains whose DrainStarted Event is recorded (see DrainController#announceStart). */
  private final java.util.Set<String> announcedDrains = ConcurrentHashMap.newKeySet();
  private final FleetTls tls = new FleetTls();
  /** The admin token of each fleet as last read, and when to read it again. */
  private record KnownToken(String token, Instant recheckAt) {}

  private final Map<String, KnownToken> tokens = new java.util.concurrent.ConcurrentHashMap<>();
  private final MigrationTotals migrationTotals = new MigrationTotals();
  private final AdminHealth adminHealth = new AdminHealth();
  private final Rebalancer rebalancer = new Rebalancer();
  /** Who acts, in Events' reportingInstance (the operator pod's name). */
  private final String instance;

  public ServerFleetReconciler() {
    this(Objects.requireNonNullElse(System.getenv("POD_NAME"), "ferry-operator"));
  }

  /** {@code instance} names this operator replica in the Events it writes. */
  public ServerFleetReconciler(String instance) {
    this.instance = Objects.requireNonNull(instance, "instance");
  }

  @Override
  public List<EventSource<?, ServerFleet>> prepareEventSources(EventSourceContext<ServerFleet> context) {
    // Only objects labelled with a fleet are cached; they map to their fleet by owner reference.
    var pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, ServerFleet.class)
                .withLabelSelector(FleetLabels.FLEET)
                .build(),
            context);
    var services =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Service.class, ServerFleet.class)
                .withLabelSelector(FleetLabels.FLEET)
                .build(),
            context);
    // Nodes: a cordon or drain taint (or its removal) reconciles the fleets with pods on that node.
    var nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, ServerFleet.class)
                .withName(NODES)
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withSecondaryToPrimaryMapper((Node node) -> fleetsOnNode(pods, node.getMetadata().getName()))
                .withOnAddFilter(NodeDrains::isDraining)
                .withOnUpdateFilter((Node now, Node before) -> NodeDrains.isDraining(now) != NodeDrains.isDraining(before))
                .build(),
            context);
    // Fleet deletions: nothing to reconcile (owner references remove what the fleet owned), but the
    // per-fleet state kept here goes. The filter forgets and never triggers a reconciliation.
    var deletions =
        new InformerEventSource<>(
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
    var budgets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PodDisruptionBudget.class, ServerFleet.class)
                .withLabelSelector(FleetLabels.FLEET)
                .build(),
            context);
    return List.of(pods, services, nodes, deletions, budgets);
  }

  /** Drops what this operator keeps about a fleet that is gone. */
  void forget(String fleetUid) {
    tls.forget(fleetUid);
    tokens.remove(fleetUid);
    migrationTotals.forget(fleetUid);
    adminHealth.forget(fleetUid);
    rebalancer.forget(fleetUid);
    recentlyDeleted.values().removeIf(fleetUid::equals);
    log.debugf("Forgot fleet %s", fleetUid);
  }

  /** Whether this operator keeps per-fleet state for the fleet (tests check nothing leaks). */
  public boolean tracks(String fleetUid) {
    return tls.tracks(fleetUid)
        || tokens.containsKey(fleetUid)
        || migrationTotals.tracks(fleetUid)
        || adminHealth.tracks(fleetUid)
        || rebalancer.tracks(fleetUid)
        || recentlyDeleted.containsValue(fleetUid);
  }

  /** The fleets with a pod on {@code node}. */
  private static Set<ResourceID> fleetsOnNode(InformerEventSource<Pod, ServerFleet> pods, String node) {
    Set<ResourceID> fleets = new HashSet<>();
    pods.list(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .forEach(p -> p.getMetadata().getOwnerReferences().stream()
            .filter(o -> "ServerFleet".equals(o.getKind()))
            .forEach(o -> fleets.add(new ResourceID(o.getName(), p.getMetadata().getNamespace()))));
    return fleets;
  }

  @Override
  public UpdateControl<ServerFleet> reconcile(ServerFleet fleet, Context<ServerFleet> context) {
    KubernetesClient client = context.getClient();
    FleetEvents events = new FleetEvents(client, instance);
    Instant now = Instant.now();
    if (fleet.getMetadata().getDeletionTimestamp() != null) {
      // Being deleted (another finalizer holds it): nothing to start; the garbage collector takes its pods.
      forget(fleet.getMetadata().getUid());
      return UpdateControl.noUpdate();
    }

    String token = ensureAdminToken(fleet, client, events, now);
    applyService(fleet, ClientService.desired(fleet), context, client, events);
    applyService(fleet, AdminService.desired(fleet), context, client, events);
    applyDisruptionBudget(fleet, context, client, events);

    Optional<String> fleetCa = tls.ensure(fleet, client, (f, reason, secret, note) -> events.normal(f, reason, "Create", secret, note),
        now, FIELD_MANAGER);
    String revision = PodRevision.of(FleetPod.template(fleet));
    PodAdminClient admin = fleetCa
        .map(ca -> new PodAdminClient(token, fleet.getSpec().getAdminPort(), ca, FleetTlsSecrets.expectedName(fleet)))
        .orElseGet(() -> new PodAdminClient(token, fleet.getSpec().getAdminPort()));
    List<String> adminFailures = new ArrayList<>();
    Map<String, PodAdminStatus> statuses = AdminPoller.poll(ownedPods(fleet, context), admin, adminFailures);

    InformerEventSource<Pod, ServerFleet> podCache = podCache(context);
    java.util.function.BiConsumer<Pod, Pod> podUpdated =
        (updated, previous) -> podCache.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, previous);
    DrainController drains =
        new DrainController(
            fleet,
            client,
            events,
            admin,
            podUpdated,
            deleted -> recentlyDeleted.put(deleted.getMetadata().getUid(), fleet.getMetadata().getUid()),
            announcedDrains);
    Map<String, String> drainingNodes = drainingNodes(ownedPods(fleet, context), context);
    drains.advance(new FleetPods(drainablePods(fleet, context), statuses, revision, drainingNodes.keySet()), now);

    FleetPods view = new FleetPods(drainablePods(fleet, context), statuses, revision, drainingNodes.keySet());
    DrainPlan plan = DrainPlanner.plan(fleet, view);
    if (plan.podsToCreate() > 0 && cacheMissesPods(fleet, ownedPods(fleet, context), client)) {
      log.infof("ServerFleet %s/%s: the pod cache lags the API server; creating pods in a later reconciliation",
          fleet.getMetadata().getNamespace(), fleet.getMetadata().getName());
    } else {
      createPods(
          fleet, plan.podsToCreate(), view.active().size(), replacing(plan, drainingNodes), rebalanceAfter(fleet, plan, view),
          podCache, client, events);
    }
    drains.mark(plan.victims(), plan.reason(), pod -> nodeNote(pod, drainingNodes));

    FleetPods after = new FleetPods(drainablePods(fleet, context), statuses, revision, drainingNodes.keySet());
    List<String> peerFailures = PeerSync.sync(fleet, after, admin);
    if (!peerFailures.isEmpty()) {
      events.warning(fleet, "PeersUpdateFailed", "UpdatePeers", null, "Cannot update peers: " + String.join("; ", peerFailures));
    }
    peerFailures.forEach(f -> adminFailures.add(f.replaceFirst(": ", ": peers: ")));
    boolean changing =
        drains.inProgress()
            || !after.draining().isEmpty()
            || plan.podsToCreate() > 0
            || !plan.displaced().isEmpty()
            || !plan.victims().isEmpty()
            || after.active().stream().anyMatch(p -> !after.isNew(p));
    RebalancePlan rebalance = rebalancer.step(fleet, after, changing, now, admin, client, events, podUpdated, adminFailures);
    adminFailures.addAll(drains.callFailures());
    AdminHealth.Verdict health = adminHealth.record(fleet, adminFailures);
    switch (health.change()) {
      case DEGRADED -> {
        log.warnf("ServerFleet %s/%s: %s", fleet.getMetadata().getNamespace(), fleet.getMetadata().getName(), health.degraded().orElse(""));
        events.warning(fleet, "AdminCallsFailing", "Poll", null, health.degraded().orElse(""));
      }
      case RECOVERED -> events.normal(fleet, "AdminCallsRecovered", "Poll", null, "Every pod's admin API answers again.");
      case NONE -> { }
    }

    List<Pod> pods = ownedPods(fleet, context);
    FleetObservation seen =
        new FleetObservation(
            pods,
            revision,
            sessionsByPod(statuses),
            migrationTotals.add(
                fleet,
                drains.migrated(),
                drains.failed(),
                statuses.values().stream().mapToLong(PodAdminStatus::migrationsInFlight).sum()),
            health.degraded().orElse(null));
    ServerFleetStatus status = FleetStatusCalculator.compute(fleet, seen, now);
    boolean busy = changing || !adminFailures.isEmpty() || rebalance.step() != RebalancePlan.Step.NONE;
    Duration next = busy ? BUSY_REQUEUE : STEADY_REQUEUE;
    if (sameJson(status, fleet.getStatus())) {
      return UpdateControl.<ServerFleet>noUpdate().rescheduleAfter(next);
    }
    return UpdateControl.patchStatus(withStatus(fleet, status)).rescheduleAfter(next);
  }

  /** The cordoned or drain-tainted nodes the fleet's pods run on, with why (node name → reason). */
  @SuppressWarnings("unchecked")
  private static Map<String, String> drainingNodes(List<Pod> pods, Context<ServerFleet> context) {
    var nodes = (InformerEventSource<Node, ServerFleet>) context.eventSourceRetriever().getEventSourceFor(Node.class, NODES);
    Map<String, String> draining = new HashMap<>();
    for (Pod pod : pods) {
      String name = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
      if (name != null && !draining.containsKey(name)) {
        nodes.get(new ResourceID(name)).flatMap(NodeDrains::why).ifPresent(why -> draining.put(name, why));
      }
    }
    return draining;
  }

  /** For the PodCreated event of replacements: which pods on which nodes they replace. */
  private static String replacing(DrainPlan plan, Map<String, String> drainingNodes) {
    if (plan.reason() != DrainReason.NodeDrain || plan.displaced().isEmpty()) {
      return "";
    }
    return " Replaces pod(s) on draining nodes: "
        + String.join(", ", plan.displaced().stream().map(p -> p.getMetadata().getName() + " " + nodeNote(p, drainingNodes)).toList())
        + ".";
  }

  private static String nodeNote(Pod pod, Map<String, String> drainingNodes) {
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    return node == null || !drainingNodes.containsKey(node) ? "" : "(node " + node + " is " + drainingNodes.get(node) + ")";
  }

  private static Map<String, Long> sessionsByPod(Map<String, PodAdminStatus> statuses) {
    Map<String, Long> sessions = new HashMap<>();
    statuses.forEach((pod, s) -> sessions.put(pod, s.sessions()));
    return sessions;
  }

  /** Records the failure in the ReconcileError condition; JOSDK retries with back-off. */
  @Override
  public ErrorStatusUpdateControl<ServerFleet> updateErrorStatus(
      ServerFleet fleet, Context<ServerFleet> context, Exception e) {
    log.warnf(e, "Reconciling ServerFleet %s/%s failed", fleet.getMetadata().getNamespace(), fleet.getMetadata().getName());
    ServerFleetStatus status =
        Serialization.clone(fleet.getStatus() == null ? new ServerFleetStatus() : fleet.getStatus());
    long generation = Objects.requireNonNullElse(fleet.getMetadata().getGeneration(), 0L);
    String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getName());
    Condition error =
        new Conditions(status.getConditions(), generation, Instant.now())
            .set(ConditionType.ReconcileError, true, e.getClass().getSimpleName(), message.length() > 1000 ? message.substring(0, 1000) : message)
            .build()
            .get(0);
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    conditions.removeIf(c -> ConditionType.ReconcileError.name().equals(c.getType()));
    conditions.add(new ConditionBuilder(error).build());
    status.setConditions(conditions);
    if (sameJson(status, fleet.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    new FleetEvents(context.getClient(), instance).warning(fleet, "ReconcileFailed", "Reconcile", null, message);
    return ErrorStatusUpdateControl.patchStatus(withStatus(fleet, status));
  }

  /**
   * Creates the token Secret once; an existing token is kept (pods already run with it). The token
   * read is remembered per fleet for {@link FleetTls#RECHECK}: the operator may only get Secrets by
   * name (no watch), and an idle reconcile should cost no request.
   */
  private String ensureAdminToken(ServerFleet fleet, KubernetesClient client, FleetEvents events, Instant now) {
    String uid = fleet.getMetadata().getUid();
    KnownToken known = tokens.get(uid);
    if (known != null && now.isBefore(known.recheckAt())) {
      return known.token();
    }
    String namespace = fleet.getMetadata().getNamespace();
    Secret current = client.secrets().inNamespace(namespace).withName(AdminTokenSecret.name(fleet)).get();
    Optional<String> token = AdminTokenSecret.token(current);
    if (token.isPresent()) {
      tokens.put(uid, new KnownToken(token.get(), now.plus(FleetTls.RECHECK)));
      return token.get();
    }
    Secret desired = AdminTokenSecret.desired(fleet, AdminTokenSecret.newToken());
    client.secrets().resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    log.infof("Created admin token Secret %s/%s", namespace, desired.getMetadata().getName());
    events.normal(fleet, "AdminTokenCreated", "Create", desired, "Generated the admin API token in Secret " + desired.getMetadata().getName() + ".");
    return AdminTokenSecret.token(desired).orElseThrow();
  }

  private void applyService(
      ServerFleet fleet, Service desired, Context<ServerFleet> context, KubernetesClient client, FleetEvents events) {
    Optional<Service> actual =
        context.getSecondaryResourcesAsStream(Service.class)
            .filter(s -> s.getMetadata().getName().equals(desired.getMetadata().getName()))
            .findFirst();
    if (actual.isPresent() && DesiredState.isSatisfiedBy(desired, actual.get())) {
      return;
    }
    client.services().resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    String verb = actual.isPresent() ? "Updated" : "Created";
    log.infof("%s Service %s/%s", verb, desired.getMetadata().getNamespace(), desired.getMetadata().getName());
    events.normal(fleet, "Service" + verb, actual.isPresent() ? "Update" : "Create", desired, verb + " Service " + desired.getMetadata().getName() + ".");
  }

  /** Keeps the fleet's PodDisruptionBudget as its spec says: created, updated, or deleted when disabled. */
  private void applyDisruptionBudget(ServerFleet fleet, Context<ServerFleet> context, KubernetesClient client, FleetEvents events) {
    PodDisruptionBudget desired = FleetDisruptionBudget.desired(fleet);
    Optional<PodDisruptionBudget> actual =
        context.getSecondaryResourcesAsStream(PodDisruptionBudget.class)
            .filter(b -> b.getMetadata().getName().equals(desired.getMetadata().getName()) && FleetLabels.isOwnedBy(b, fleet))
            .findFirst();
    String name = desired.getMetadata().getName();
    String namespace = fleet.getMetadata().getNamespace();
    if (!FleetDisruptionBudget.enabled(fleet)) {
      if (actual.isPresent()) {
        client.policy().v1().podDisruptionBudget().inNamespace(namespace).withName(name).delete();
        log.infof("Deleted PodDisruptionBudget %s/%s", namespace, name);
        events.normal(fleet, "DisruptionBudgetDeleted", "Delete", actual.get(), "Deleted PodDisruptionBudget " + name + ": spec.podDisruptionBudget is disabled.");
      }
      return;
    }
    if (actual.isPresent() && DesiredState.isSatisfiedBy(desired, actual.get())) {
      return;
    }
    client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    String verb = actual.isPresent() ? "Updated" : "Created";
    log.infof("%s PodDisruptionBudget %s/%s", verb, namespace, name);
    events.normal(fleet, "DisruptionBudget" + verb, actual.isPresent() ? "Update" : "Create", desired,
        verb + " PodDisruptionBudget " + name + " (maxUnavailable " + desired.getSpec().getMaxUnavailable().getValue() + ").");
  }

  private static List<Pod> ownedPods(ServerFleet fleet, Context<ServerFleet> context) {
    return new ArrayList<>(
        context.getSecondaryResourcesAsStream(Pod.class).filter(p -> FleetLabels.isOwnedBy(p, fleet)).toList());
  }

  /** Pods the fleet does not know about yet drain nothing: deleted ones are left out until the cache forgets them. */
  private List<Pod> drainablePods(ServerFleet fleet, Context<ServerFleet> context) {
    List<Pod> pods = ownedPods(fleet, context);
    java.util.Set<String> present = new java.util.HashSet<>();
    pods.forEach(p -> present.add(p.getMetadata().getUid()));
    recentlyDeleted.entrySet().removeIf(e -> e.getValue().equals(fleet.getMetadata().getUid()) && !present.contains(e.getKey()));
    pods.removeIf(p -> recentlyDeleted.containsKey(p.getMetadata().getUid()));
    return pods;
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<Pod, ServerFleet> podCache(Context<ServerFleet> context) {
    return (InformerEventSource<Pod, ServerFleet>) context.eventSourceRetriever().getEventSourceFor(Pod.class);
  }

  /**
   * Whether the API server has pods of the fleet that {@code cached} lacks. Creating pods from such a
   * view would overshoot: it happens while a stopping operator's informers are torn down under a
   * running reconciliation (a leader handing over), or when a new leader's cache is still filling.
   * One list call, only when the plan creates pods.
   */
  private static boolean cacheMissesPods(ServerFleet fleet, List<Pod> cached, KubernetesClient client) {
    Set<String> known = new HashSet<>();
    cached.forEach(p -> known.add(p.getMetadata().getUid()));
    return client.pods().inNamespace(fleet.getMetadata().getNamespace())
        .withLabel(FleetLabels.FLEET, fleet.getMetadata().getName())
        .list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && FleetLabels.isOwnedBy(p, fleet))
        .anyMatch(p -> !known.contains(p.getMetadata().getUid()));
  }

  /**
   * Whether the pods this plan creates get sessions moved onto them: a scale-up (not a rollout or
   * node drain) of a fleet with rebalance on, whose serving pods hold sessions.
   */
  private static boolean rebalanceAfter(ServerFleet fleet, DrainPlan plan, FleetPods view) {
    return plan.podsToCreate() > 0
        && fleet.getSpec().getRebalance() != null
        && Boolean.TRUE.equals(fleet.getSpec().getRebalance().getEnabled())
        && plan.reason() == DrainReason.ScaleDown
        && plan.displaced().isEmpty()
        && view.active().stream().allMatch(view::isNew)
        && view.serving().stream().anyMatch(p -> view.sessions(p) > 0);
  }

  /** Creates {@code count} pods of the current revision (scale-up, replacements, rollout surge). */
  private void createPods(
      ServerFleet fleet,
      int count,
      int active,
      String why,
      boolean rebalance,
      InformerEventSource<Pod, ServerFleet> podCache,
      KubernetesClient client,
      FleetEvents events) {
    for (int i = 0; i < count; i++) {
      Pod desired = FleetPod.desired(fleet, podName(fleet));
      if (rebalance) {
        Map<String, String> annotations = new HashMap<>(Objects.requireNonNullElse(desired.getMetadata().getAnnotations(), Map.of()));
        annotations.put(RebalanceState.ANNOTATION, RebalanceState.PENDING);
        desired.getMetadata().setAnnotations(annotations);
      }
      Pod pod = client.resource(desired).create();
      // The informer may not have seen the new pod when the next reconciliation runs: without this
      // the operator would count too few pods and create more.
      podCache.handleRecentResourceCreate(ResourceID.fromResource(pod), pod);
      log.infof("Created pod %s/%s", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
      events.normal(
          fleet,
          "PodCreated",
          "Create",
          pod,
          "Created pod " + pod.getMetadata().getName() + " (revision " + PodPhases.revision(pod) + "): "
              + (active + i + 1) + " active, " + fleet.getSpec().getReplicas() + " wanted." + why
              + (rebalance ? " Sessions will be rebalanced onto it once it serves." : ""));
    }
  }

  private static String podName(ServerFleet fleet) {
    StringBuilder name = new StringBuilder(fleet.getMetadata().getName()).append('-');
    for (int i = 0; i < 5; i++) {
      name.append(NAME_ALPHABET.charAt(RANDOM.nextInt(NAME_ALPHABET.length())));
    }
    return name.toString();
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
    return b != null && Serialization.jsonMapper().valueToTree(a).equals(Serialization.jsonMapper().valueToTree(b));
  }
}
