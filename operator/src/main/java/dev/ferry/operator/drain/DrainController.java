package dev.ferry.operator.drain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.status.PodPhases;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * Carries out drains, one step per reconciliation, with all state on the pod (so a restarted
 * operator continues where the last one stopped): mark (not serving, {@code Requested}) → ask the
 * pod to migrate its sessions to targets ({@code Draining}) → watch its session count → delete it
 * when empty or when its deadline has passed.
 *
 * <p>Deadline: drain start + the time the rate needs to ask every session + the idle migration
 * timer (how long the pod waits for a client to move) + {@link #DEADLINE_MARGIN}.
 */
public final class DrainController {

  static final Duration DEADLINE_MARGIN = Duration.ofSeconds(5);
  private static final Logger log = Logger.getLogger(DrainController.class);

  private final ServerFleet fleet;
  private final KubernetesClient client;
  private final FleetEvents events;
  private final PodAdminClient admin;
  /** Tells the pod cache about a pod this controller just changed, so the next reconciliation sees it. */
  private final BiConsumer<Pod, Pod> podUpdated;
  /** Tells the reconciler a pod was deleted, so a stale cache entry is not drained twice. */
  private final java.util.function.Consumer<Pod> podDeleted;
  private long migrated;
  private long failed;
  private boolean inProgress;
  /**
   * Drains whose DrainStarted Event this replica has recorded or found (by {@link #drainIdentity}).
   * Outlives one reconciliation; a new leader starts empty and checks each drain it watches once.
   */
  private final java.util.Set<String> announcedDrains;
  private final List<String> callFailures = new java.util.ArrayList<>();

  public DrainController(
      ServerFleet fleet,
      KubernetesClient client,
      FleetEvents events,
      PodAdminClient admin,
      BiConsumer<Pod, Pod> podUpdated,
      java.util.function.Consumer<Pod> podDeleted,
      java.util.Set<String> announcedDrains) {
    this.announcedDrains = announcedDrains;
    this.fleet = fleet;
    this.client = client;
    this.events = events;
    this.admin = admin;
    this.podUpdated = podUpdated;
    this.podDeleted = podDeleted;
  }

  /** Sessions that left finished drains in this reconciliation. */
  public long migrated() {
    return migrated;
  }

  /** Sessions still on pods whose drain deadline passed in this reconciliation. */
  public long failed() {
    return failed;
  }

  /** Drain requests to pods that failed in this reconciliation, with why. */
  public List<String> callFailures() {
    return List.copyOf(callFailures);
  }

  /** Some drain is still running: reconcile again soon. */
  public boolean inProgress() {
    return inProgress;
  }

  /** Takes {@code victims} out of service and records the drain on them. */
  public void mark(List<Pod> victims, DrainReason reason) {
    mark(victims, reason, pod -> "");
  }

  /** As {@link #mark(List, DrainReason)}, with a note per pod for the event (such as its node's state). */
  public void mark(List<Pod> victims, DrainReason reason, java.util.function.Function<Pod, String> note) {
    for (Pod pod : victims) {
      ObjectNode patch = Serialization.jsonMapper().createObjectNode();
      ObjectNode meta = patch.putObject("metadata");
      meta.putObject("labels").put(FleetLabels.SERVING, "false");
      meta.putObject("annotations").put(DrainState.ANNOTATION, DrainState.Requested.name()).put(DrainState.REASON, reason.name());
      Pod marked = patch(pod, patch);
      if (marked == null) {
        continue;
      }
      inProgress = true;
      log.infof("Pod %s/%s chosen for drain (%s)", pod.getMetadata().getNamespace(), FleetPods.name(pod), reason);
      events.normal(fleet, "DrainRequested", "Drain", pod,
          "Pod " + FleetPods.name(pod) + " chosen for removal (" + reason + "): it takes no new clients."
              + (note.apply(pod).isEmpty() ? "" : " " + note.apply(pod)));
    }
  }

  /** One step of every drain in progress. */
  public void advance(FleetPods pods, Instant now) {
    for (Pod pod : pods.draining()) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue; // already on its way out: its drain is finished
      }
      DrainState state = DrainState.of(pod).orElseThrow();
      try {
        switch (state) {
          case Requested -> start(pods, pod, now);
          case Draining -> watch(pods, pod, now);
          case Drained -> delete(pod, "drained");
        }
      } catch (KubernetesClientException e) {
        inProgress = true;
        log.warnf("Drain step of pod %s failed: %s", FleetPods.name(pod), e.getMessage());
      }
    }
  }

  private void start(FleetPods pods, Pod pod, Instant now) {
    DrainReason reason = reason(pod);
    PodAdminStatus status = pods.status(pod);
    String ip = FleetPods.podIP(pod);
    boolean notRunning = status == null && PodPhases.hasNoRunningContainer(pod);
    if (ip == null || notRunning || (status != null && status.sessions() == 0)) {
      if (!stillOurs(pod)) {
        return;
      }
      delete(pod, ip == null ? "it never got an address" : notRunning ? "its server is not running" : "it has no sessions");
      events.normal(fleet, "DrainFinished", "Drain", pod,
          "Pod " + FleetPods.name(pod) + " (" + reason + ") had no sessions to migrate; 0 sessions left.");
      return;
    }
    inProgress = true;
    List<String> targets = DrainTargets.forDrain(fleet, pods, pod, reason);
    if (targets.isEmpty()) {
      if (fleet.getSpec().getReplicas() == 0) {
        // Nowhere to go: on SIGTERM the pod drains to its peers, if any, or closes its sessions.
        delete(pod, "the fleet is scaled to zero");
        events.warning(fleet, "DrainWithoutTargets", "Drain", pod,
            "Pod " + FleetPods.name(pod) + " deleted without a drain: the fleet has 0 replicas, so no pod can take its "
                + (status == null ? "" : status.sessions() + " ") + "sessions.");
      } else {
        log.infof("Pod %s waits for a ready target pod before it drains", FleetPods.name(pod));
      }
      return;
    }
    if (!postDrain(pod, ip, targets)) {
      return;
    }
    long sessions = status == null ? -1 : status.sessions();
    ObjectNode patch = Serialization.jsonMapper().createObjectNode();
    patch.putObject("metadata").putObject("annotations")
        .put(DrainState.ANNOTATION, DrainState.Draining.name())
        .put(DrainState.STARTED_AT, now.toString())
        .put(DrainState.TARGETS, String.join(",", targets))
        .put(DrainState.SESSIONS, Long.toString(Math.max(0, sessions)))
        .put(DrainState.COUNTERS, status == null ? "0,0,0,0"
            : status.migrationsRequested() + "," + status.migrationsCompleted() + "," + status.migrationsFailed()
                + "," + status.migrationsHandedOff());
    Pod marked = patch(pod, patch);
    log.infof("Draining pod %s (%s): %d sessions to %s", FleetPods.name(pod), reason, sessions, targets);
    if (marked != null) {
      announceStart(marked);
    }
  }

  /**
   * Records DrainStarted once per drain. A leader that dies between marking the pod Draining and this
   * Event would otherwise leave the drain unannounced: the next leader's first {@link #watch} of the
   * pod records it, and finds it already there when the last leader did.
   */
  private void announceStart(Pod pod) {
    String identity = drainIdentity(pod);
    if (announcedDrains.contains(identity)) {
      return;
    }
    long sessions = annotationLong(pod, DrainState.SESSIONS);
    boolean recorded = events.normalOnce(fleet, identity, "DrainStarted", "Drain", pod,
        "Draining pod " + FleetPods.name(pod) + " (" + reason(pod) + "): " + Math.max(0, sessions) + " sessions to "
            + String.join(", ", targets(pod)) + " at " + rateText() + ".");
    if (recorded) {
      announcedDrains.add(identity); // one that could not be written is tried again at the next watch
    }
  }

  private static String drainIdentity(Pod pod) {
    return "DrainStarted/" + pod.getMetadata().getUid() + "/" + annotations(pod).getOrDefault(DrainState.STARTED_AT, "");
  }

  private void watch(FleetPods pods, Pod pod, Instant now) {
    announceStart(pod);
    PodAdminStatus status = pods.status(pod);
    Instant started = startedAt(pod, now);
    long atStart = annotationLong(pod, DrainState.SESSIONS);
    Duration took = Duration.between(started, now);
    if (status != null && status.sessions() == 0) {
      finished(pod, status, took);
      return;
    }
    if (now.isAfter(deadline(started, atStart))) {
      long left = status == null ? -1 : status.sessions();
      failed += Math.max(0, left);
      migrated += status == null ? 0 : Math.max(0, status.migrationsCompleted() - counterAtStart(pod, 1));
      events.warning(fleet, "DrainTimedOut", "Drain", pod,
          "Drain of pod " + FleetPods.name(pod) + " timed out after " + seconds(took) + " with "
              + (left < 0 ? "an unknown number of" : Long.toString(left)) + " sessions left; deleting it.");
      delete(pod, "its drain deadline passed");
      return;
    }
    inProgress = true;
    List<String> targets = targets(pod);
    String ip = FleetPods.podIP(pod);
    if (status != null && ip != null && !targets.isEmpty() && !status.drainsTo(targets)) {
      // The pod lost the drain (restarted, or cancelled by hand): ask again; a new request replaces an earlier one.
      log.infof("Pod %s is not draining to %s: asking again", FleetPods.name(pod), targets);
      postDrain(pod, ip, targets);
    }
  }

  /**
   * The pod is empty. With both timers 0 its sessions were closed (that is how such a fleet drains).
   * Otherwise, if the pod handed off sessions during the drain (its {@code handedOff} counter rose),
   * those clients had not moved when their idle migration timer ran out (such as a client that does
   * not read ahead and sent no command): the pod closed them, and they resume from the context store
   * on their next command within the session idle timer. The drain timed out.
   */
  private void finished(Pod pod, PodAdminStatus status, Duration took) {
    if (!stillOurs(pod)) {
      return;
    }
    ServerFleetSpec spec = fleet.getSpec();
    long moved = Math.max(0, status.migrationsCompleted() - counterAtStart(pod, 1));
    long failedHere = Math.max(0, status.migrationsFailed() - counterAtStart(pod, 2));
    long handedOff = Math.max(0, status.migrationsHandedOff() - counterAtStart(pod, 3));
    migrated += moved;
    failed += failedHere;
    String name = FleetPods.name(pod);
    long atStart = annotationLong(pod, DrainState.SESSIONS);
    int idle = spec.getIdleMigrationTimerSeconds();
    boolean disabled = idle == 0 && spec.getSessionIdleTimerSeconds() == 0;
    boolean timedOut = !disabled && handedOff > 0;
    if (disabled) {
      events.normal(fleet, "DrainFinished", "Drain", pod,
          "Drain of pod " + name + " (" + reason(pod) + ") finished in " + seconds(took) + ": migration is disabled"
              + " (both timers are 0), so the pod closed its " + atStart + " sessions; 0 sessions left.");
    } else if (timedOut) {
      events.warning(fleet, "DrainTimedOut", "Drain", pod,
          "Drain of pod " + name + " (" + reason(pod) + ") timed out: " + handedOff + " sessions had not moved when the idle"
              + " migration timer (" + idle + " s) closed them, after " + seconds(took) + "; they resume on their next command"
              + " within the session idle timer (" + spec.getSessionIdleTimerSeconds() + " s). Of " + atStart + " sessions "
              + moved + " migrated, " + handedOff + " handed off, " + failedHere + " failed; 0 sessions left; deleting it.");
    } else {
      events.normal(fleet, "DrainFinished", "Drain", pod,
          "Drain of pod " + name + " (" + reason(pod) + ") finished: " + moved + " sessions migrated in "
              + seconds(took) + "; 0 sessions left.");
    }
    delete(pod, timedOut ? "its idle migration timer passed" : "drained");
  }

  /**
   * The pod's migration counter {@code index} (0 requested, 1 completed, 2 failed, 3 handed off) when
   * its drain started; 0 when not recorded (a drain an older operator started has no handed-off count).
   */
  private static long counterAtStart(Pod pod, int index) {
    String value = annotations(pod).get(DrainState.COUNTERS);
    if (value == null) {
      return 0;
    }
    String[] parts = value.split(",");
    try {
      return index < parts.length ? Long.parseLong(parts[index].strip()) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private boolean postDrain(Pod pod, String ip, List<String> targets) {
    try {
      admin.drain(ip, targets, fleet.getSpec().getMigrationRatePerSecond()).join();
      return true;
    } catch (CompletionException e) {
      String message = Objects.requireNonNullElse(e.getCause(), e).getMessage();
      log.warnf("Cannot start the drain of pod %s: %s", FleetPods.name(pod), message);
      callFailures.add(FleetPods.name(pod) + ": drain: " + message);
      events.warning(fleet, "DrainCallFailed", "Drain", pod, "Cannot start the drain of pod " + FleetPods.name(pod) + ": " + message);
      return false;
    }
  }

  /**
   * Reads the pod from the API server, not the cache: a previous operator, or this one's previous
   * reconciliation seen through a stale cache, may already have finished this drain, and its
   * events must be told once.
   */
  private boolean stillOurs(Pod pod) {
    Pod fresh = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(FleetPods.name(pod)).get();
    return fresh != null
        && fresh.getMetadata().getDeletionTimestamp() == null
        && java.util.Objects.equals(fresh.getMetadata().getUid(), pod.getMetadata().getUid());
  }

  private void delete(Pod pod, String why) {
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(FleetPods.name(pod)).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    podDeleted.accept(pod);
    announcedDrains.remove(drainIdentity(pod));
    log.infof("Deleted pod %s/%s: %s", pod.getMetadata().getNamespace(), FleetPods.name(pod), why);
    events.normal(fleet, "PodDeleted", "Delete", pod, "Deleted pod " + FleetPods.name(pod) + ": " + why + ".");
  }

  private Pod patch(Pod pod, ObjectNode patch) {
    try {
      Pod patched =
          client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(FleetPods.name(pod))
              .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
      podUpdated.accept(patched, pod);
      return patched;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private Instant deadline(Instant started, long sessions) {
    ServerFleetSpec spec = fleet.getSpec();
    int rate = spec.getMigrationRatePerSecond();
    long askSeconds = rate <= 0 ? 0 : (Math.max(0, sessions) + rate - 1) / rate;
    return started.plusSeconds(askSeconds + spec.getIdleMigrationTimerSeconds()).plus(DEADLINE_MARGIN);
  }

  private String rateText() {
    int rate = fleet.getSpec().getMigrationRatePerSecond();
    return rate <= 0 ? "an unlimited rate" : rate + " sessions/s";
  }

  private static DrainReason reason(Pod pod) {
    String value = annotations(pod).get(DrainState.REASON);
    for (DrainReason r : DrainReason.values()) {
      if (r.name().equals(value)) {
        return r;
      }
    }
    return DrainReason.ScaleDown;
  }

  private static List<String> targets(Pod pod) {
    String value = annotations(pod).get(DrainState.TARGETS);
    return value == null || value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::strip).toList();
  }

  private static Instant startedAt(Pod pod, Instant fallback) {
    try {
      String value = annotations(pod).get(DrainState.STARTED_AT);
      return value == null ? fallback : Instant.parse(value);
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }

  private static long annotationLong(Pod pod, String key) {
    try {
      return Long.parseLong(annotations(pod).getOrDefault(key, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Map<String, String> annotations(Pod pod) {
    return pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
