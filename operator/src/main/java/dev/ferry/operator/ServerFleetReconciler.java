package dev.ferry.operator;

import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.AdminService;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.operator.resources.ClientService;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.FleetPod;
import dev.ferry.operator.resources.PodRevision;
import dev.ferry.operator.status.ConditionType;
import dev.ferry.operator.status.Conditions;
import dev.ferry.operator.status.FleetObservation;
import dev.ferry.operator.status.FleetStatusCalculator;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
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
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Reconciles a {@link ServerFleet}: its admin-token Secret, client and admin Services, and pods up
 * to {@code replicas}; then writes the status (server-side apply, only when it changed).
 *
 * <p>Each owned resource's desired state comes from a side-effect-free {@code desired(fleet)} in
 * {@code dev.ferry.operator.resources}; this class only compares and applies. Drains (scale-down,
 * rollout, node drain) come in the next phase and live on the pods as annotations.
 */
@ControllerConfiguration(name = ServerFleetReconciler.NAME, fieldManager = ServerFleetReconciler.FIELD_MANAGER)
public class ServerFleetReconciler implements Reconciler<ServerFleet> {

  public static final String NAME = "serverfleet";
  public static final String FIELD_MANAGER = "ferry-operator";
  private static final Logger log = Logger.getLogger(ServerFleetReconciler.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Kubernetes' own alphabet for generated name suffixes: no vowels, no look-alike characters. */
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

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
    return List.of(pods, services);
  }

  @Override
  public UpdateControl<ServerFleet> reconcile(ServerFleet fleet, Context<ServerFleet> context) {
    KubernetesClient client = context.getClient();
    FleetEvents events = new FleetEvents(client, instanceName());

    ensureAdminToken(fleet, client, events);
    applyService(fleet, ClientService.desired(fleet), context, client, events);
    applyService(fleet, AdminService.desired(fleet), context, client, events);

    List<Pod> pods = ownedPods(fleet, context);
    String revision = PodRevision.of(FleetPod.template(fleet));
    pods.addAll(createMissingPods(fleet, pods, context, client, events));

    FleetObservation seen = new FleetObservation(pods, revision, Map.of(), new MigrationCounts());
    ServerFleetStatus status = FleetStatusCalculator.compute(fleet, seen, Instant.now());
    if (sameJson(status, fleet.getStatus())) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(withStatus(fleet, status));
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
    new FleetEvents(context.getClient(), instanceName()).warning(fleet, "ReconcileFailed", "Reconcile", null, message);
    return ErrorStatusUpdateControl.patchStatus(withStatus(fleet, status));
  }

  /** Creates the token Secret once; an existing token is kept (pods already run with it). */
  private void ensureAdminToken(ServerFleet fleet, KubernetesClient client, FleetEvents events) {
    String namespace = fleet.getMetadata().getNamespace();
    Secret current = client.secrets().inNamespace(namespace).withName(AdminTokenSecret.name(fleet)).get();
    Optional<String> token = AdminTokenSecret.token(current);
    if (token.isPresent()) {
      return;
    }
    Secret desired = AdminTokenSecret.desired(fleet, AdminTokenSecret.newToken());
    client.secrets().resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    log.infof("Created admin token Secret %s/%s", namespace, desired.getMetadata().getName());
    events.normal(fleet, "AdminTokenCreated", "Create", desired, "Generated the admin API token in Secret " + desired.getMetadata().getName() + ".");
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

  private static List<Pod> ownedPods(ServerFleet fleet, Context<ServerFleet> context) {
    return new ArrayList<>(
        context.getSecondaryResourcesAsStream(Pod.class).filter(p -> FleetLabels.isOwnedBy(p, fleet)).toList());
  }

  /** Creates pods until {@code replicas} are active. Removing pods is the drain controller's job. */
  private List<Pod> createMissingPods(
      ServerFleet fleet, List<Pod> pods, Context<ServerFleet> context, KubernetesClient client, FleetEvents events) {
    long active = pods.stream().filter(PodPhases::isActive).count();
    int missing = (int) (fleet.getSpec().getReplicas() - active);
    List<Pod> created = new ArrayList<>();
    if (missing <= 0) {
      return created;
    }
    @SuppressWarnings("unchecked")
    InformerEventSource<Pod, ServerFleet> podCache =
        (InformerEventSource<Pod, ServerFleet>) context.eventSourceRetriever().getEventSourceFor(Pod.class);
    for (int i = 0; i < missing; i++) {
      Pod pod = client.resource(FleetPod.desired(fleet, podName(fleet))).create();
      // The informer may not have seen the new pod when the next reconciliation runs: without this
      // the operator would count too few pods and create more.
      podCache.handleRecentResourceCreate(ResourceID.fromResource(pod), pod);
      created.add(pod);
      log.infof("Created pod %s/%s", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
      events.normal(
          fleet,
          "PodCreated",
          "Create",
          pod,
          "Created pod " + pod.getMetadata().getName() + " (revision " + PodPhases.revision(pod) + "): "
              + (active + created.size()) + " of " + fleet.getSpec().getReplicas() + ".");
    }
    return created;
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

  private static String instanceName() {
    return Objects.requireNonNullElse(System.getenv("POD_NAME"), "ferry-operator");
  }
}
