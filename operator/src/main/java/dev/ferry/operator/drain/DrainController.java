package dev.ferry.operator.drain;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Carries out drains, one {@link DrainStep} per pod and reconciliation, with all state in the pod's
 * {@link DrainRecord} (so a restarted operator continues where the last one stopped): mark (not
 * serving, Requested) → ask the pod to migrate its sessions (Draining) → watch its session count →
 * delete it when empty or when its deadline has passed.
 */
public final class DrainController {

    private static final Logger log = Logger.getLogger(DrainController.class);

    private final ServerFleet fleet;
    private final PodWrites pods;
    private final DrainEvents events;
    private final PodAdminClient admin;
    private final List<String> callFailures = new ArrayList<>();
    private long migrated;
    private long failed;
    private boolean inProgress;
    private boolean wantsFreshStatus;

    public DrainController(ServerFleet fleet, PodWrites pods, FleetEvents events, PodAdminClient admin) {
        this.fleet = fleet;
        this.pods = pods;
        this.events = new DrainEvents(fleet, events);
        this.admin = admin;
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

    /** A pod was marked or asked to drain: its next status decides the next step, so read it soon. */
    public boolean wantsFreshStatus() {
        return wantsFreshStatus;
    }

    /** Some drain is still running: reconcile again soon. */
    public boolean inProgress() {
        return inProgress;
    }

    /** Takes {@code victims} out of service and records the drain on them, with a note per pod for the Event. */
    public void mark(List<Pod> victims, Function<Pod, DrainReason> reasons, Function<Pod, String> note, Instant now) {
        for (Pod pod : victims) {
            DrainReason reason = reasons.apply(pod);
            Pod marked = pods.patchMetadata(
                    pod,
                    Map.of(FleetLabels.SERVING, "false"),
                    DrainRecord.requested(reason, now).patchAnnotations());
            if (marked == null) {
                continue;
            }
            inProgress = true;
            wantsFreshStatus = true;
            log.infof("Pod %s/%s chosen for drain (%s)", pod.getMetadata().getNamespace(), FleetPods.name(pod), reason);
            events.requested(pod, reason, note.apply(pod));
        }
    }

    /** One step of every drain in progress. */
    public void advance(FleetPods fleetPods, Instant now) {
        for (Pod pod : fleetPods.draining()) {
            DrainRecord record = DrainRecord.of(pod).orElseThrow();
            try {
                carryOut(DrainStep.next(fleet, fleetPods, pod, record, now), pod, record, now);
            } catch (KubernetesClientException e) {
                inProgress = true;
                log.warnf("Drain step of pod %s failed: %s", FleetPods.name(pod), e.getMessage());
            }
        }
    }

    private void carryOut(DrainStep step, Pod pod, DrainRecord record, Instant now) {
        switch (step) {
            case DrainStep.RemoveEmpty empty -> {
                if (pods.stillThere(pod)) {
                    delete(pod, empty.why());
                    events.nothingToMigrate(pod, record.reason());
                }
            }
            case DrainStep.RemoveWithoutTargets none -> {
                // Nowhere to go: on SIGTERM the pod drains to its peers, if any, or closes its sessions.
                delete(pod, "the fleet is scaled to zero");
                events.withoutTargets(pod, none.sessions());
            }
            case DrainStep.WaitForStatus waiting -> {
                inProgress = true;
                wantsFreshStatus = true;
            }
            case DrainStep.WaitForTargets waiting -> {
                inProgress = true;
                log.infof("Pod %s waits for a ready target pod before it drains", FleetPods.name(pod));
            }
            case DrainStep.Start start -> {
                inProgress = true;
                if (askToDrain(pod, start.podIP(), start.targets())) {
                    DrainRecord draining = record.draining(now, start.targets(), start.sessions(), start.counters());
                    Pod marked = pods.patchMetadata(pod, Map.of(), draining.patchAnnotations());
                    wantsFreshStatus = true;
                    log.infof(
                            "Draining pod %s (%s): %d sessions to %s",
                            FleetPods.name(pod), record.reason(), start.sessions(), start.targets());
                    if (marked != null) {
                        announce(marked, draining);
                    }
                }
            }
            case DrainStep.Watch watch -> {
                inProgress = true;
                announce(pod, record);
                if (watch.askAgain()) {
                    // A new request replaces an earlier one.
                    log.infof("Pod %s is not draining to %s: asking again", FleetPods.name(pod), record.targets());
                    askToDrain(pod, watch.podIP(), record.targets());
                }
            }
            case DrainStep.Finish finish -> {
                announce(pod, record);
                if (pods.stillThere(pod)) {
                    migrated += finish.during().completed();
                    failed += finish.during().failed();
                    boolean timedOut = events.finished(pod, record, finish.during(), finish.took());
                    delete(pod, timedOut ? "its idle migration timer passed" : "drained");
                }
            }
            case DrainStep.TimeOut timeOut -> {
                failed += Math.max(0, timeOut.left());
                migrated += timeOut.during().completed();
                events.timedOut(pod, timeOut.left(), timeOut.took());
                delete(pod, "its drain deadline passed");
            }
            case DrainStep.Remove remove -> delete(pod, "drained");
        }
    }

    /**
     * Records DrainStarted once per drain, and then in the record. A leader that dies between marking
     * the pod Draining and this Event leaves the drain unannounced: the next leader's next step records
     * it, and finds it already there when the last leader got that far.
     */
    private void announce(Pod pod, DrainRecord record) {
        if (record.announced() || record.state() != DrainState.Draining) {
            return;
        }
        if (events.started(pod, record)) {
            pods.patchMetadata(pod, Map.of(), record.announcedNow().patchAnnotations());
        }
    }

    private boolean askToDrain(Pod pod, String ip, List<String> targets) {
        try {
            admin.drain(ip, targets, fleet.getSpec().getMigrationRatePerSecond())
                    .join();
            return true;
        } catch (CompletionException e) {
            String message = Objects.requireNonNullElse(e.getCause(), e).getMessage();
            log.warnf("Cannot start the drain of pod %s: %s", FleetPods.name(pod), message);
            callFailures.add(FleetPods.name(pod) + ": drain: " + message);
            events.callFailed(pod, message);
            return false;
        }
    }

    private void delete(Pod pod, String why) {
        pods.delete(pod);
        log.infof("Deleted pod %s/%s: %s", pod.getMetadata().getNamespace(), FleetPods.name(pod), why);
        events.deleted(pod, why);
    }
}
