package dev.ferry.operator.drain;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Locale;

/** The Kubernetes Events a drain records, one per step, in words an operator of the cluster reads. */
final class DrainEvents {

    private final ServerFleet fleet;
    private final FleetEvents events;

    DrainEvents(ServerFleet fleet, FleetEvents events) {
        this.fleet = fleet;
        this.events = events;
    }

    void requested(Pod pod, DrainReason reason, String note) {
        events.normal(
                fleet,
                "DrainRequested",
                "Drain",
                pod,
                "Pod " + name(pod) + " chosen for removal (" + reason + "): it takes no new clients."
                        + (note.isEmpty() ? "" : " " + note));
    }

    /** @return whether the Event is recorded (by this call or an earlier one for the same drain) */
    boolean started(Pod pod, DrainRecord record) {
        return events.normalOnce(
                fleet,
                "DrainStarted/" + record.identity(pod),
                "DrainStarted",
                "Drain",
                pod,
                "Draining pod " + name(pod) + " (" + record.reason() + "): " + record.sessionsAtStart()
                        + " sessions to " + String.join(", ", record.targets()) + " at " + rateText() + ".");
    }

    void nothingToMigrate(Pod pod, DrainReason reason) {
        events.normal(
                fleet,
                "DrainFinished",
                "Drain",
                pod,
                "Pod " + name(pod) + " (" + reason + ") had no sessions to migrate; 0 sessions left.");
    }

    void withoutTargets(Pod pod, long sessions) {
        events.warning(
                fleet,
                "DrainWithoutTargets",
                "Drain",
                pod,
                "Pod " + name(pod) + " deleted without a drain: the fleet has 0 replicas, so no pod can take its "
                        + (sessions < 0 ? "" : sessions + " ") + "sessions.");
    }

    void callFailed(Pod pod, String message) {
        events.warning(
                fleet, "DrainCallFailed", "Drain", pod, "Cannot start the drain of pod " + name(pod) + ": " + message);
    }

    /**
     * The pod is empty. With both timers 0 its sessions were closed (that is how such a fleet drains).
     * Otherwise, if the pod handed off sessions during the drain, those clients had not moved when their
     * idle migration timer ran out (such as a client that does not read ahead and sent no command): the
     * pod closed them, and they resume from the context store on their next command within the session
     * idle timer. The drain timed out.
     *
     * @return whether it timed out that way
     */
    boolean finished(Pod pod, DrainRecord record, DrainRecord.Counters during, Duration took) {
        ServerFleetSpec spec = fleet.getSpec();
        int idle = spec.getIdleMigrationTimerSeconds();
        boolean disabled = idle == 0 && spec.getSessionIdleTimerSeconds() == 0;
        boolean timedOut = !disabled && during.handedOff() > 0;
        String name = name(pod);
        if (disabled) {
            events.normal(
                    fleet,
                    "DrainFinished",
                    "Drain",
                    pod,
                    "Drain of pod " + name + " (" + record.reason() + ") finished in " + seconds(took)
                            + ": migration is disabled" + " (both timers are 0), so the pod closed its "
                            + record.sessionsAtStart() + " sessions; 0 sessions left.");
        } else if (timedOut) {
            events.warning(
                    fleet,
                    "DrainTimedOut",
                    "Drain",
                    pod,
                    "Drain of pod " + name + " (" + record.reason() + ") timed out: " + during.handedOff()
                            + " sessions had not moved when the"
                            + " idle migration timer (" + idle + " s) closed them, after " + seconds(took)
                            + "; they resume on their next command"
                            + " within the session idle timer (" + spec.getSessionIdleTimerSeconds() + " s). Of "
                            + record.sessionsAtStart()
                            + " sessions " + during.completed() + " migrated, " + during.handedOff() + " handed off, "
                            + during.failed()
                            + " failed; 0 sessions left; deleting it.");
        } else {
            events.normal(
                    fleet,
                    "DrainFinished",
                    "Drain",
                    pod,
                    "Drain of pod " + name + " (" + record.reason() + ") finished: " + during.completed()
                            + " sessions migrated in " + seconds(took) + "; 0 sessions left.");
        }
        return timedOut;
    }

    void timedOut(Pod pod, long left, Duration took) {
        events.warning(
                fleet,
                "DrainTimedOut",
                "Drain",
                pod,
                "Drain of pod " + name(pod) + " timed out after " + seconds(took) + " with "
                        + (left < 0 ? "an unknown number of" : Long.toString(left)) + " sessions left; deleting it.");
    }

    void deleted(Pod pod, String why) {
        events.normal(fleet, "PodDeleted", "Delete", pod, "Deleted pod " + name(pod) + ": " + why + ".");
    }

    private String rateText() {
        int rate = fleet.getSpec().getMigrationRatePerSecond();
        return rate <= 0 ? "an unlimited rate" : rate + " sessions/s";
    }

    private static String name(Pod pod) {
        return pod.getMetadata().getName();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
