package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The drain state machine: what one reconciliation does next with one draining pod, decided from the
 * pod, its {@link DrainRecord} and what its admin API reported, without side effects. {@link
 * DrainController} carries the step out.
 *
 * <pre>
 * Requested ──(status older than the mark)──────▶ WaitForStatus
 *     │ ──(nothing to migrate)──────────────────▶ RemoveEmpty
 *     │ ──(no target, replicas 0)───────────────▶ RemoveWithoutTargets
 *     │ ──(no ready target yet)─────────────────▶ WaitForTargets
 *     └──(targets)──▶ Start ──▶ Draining ──(empty)──────────▶ Finish
 *                                  │ ──(deadline passed)───▶ TimeOut
 *                                  └──(still moving)───────▶ Watch (ask again if the pod lost the drain)
 * Drained ──▶ Remove
 * </pre>
 *
 * <p>Deadline of a drain: its start + the time the rate needs to ask every session + the idle
 * migration timer (how long the pod waits for a client to move) + {@link #DEADLINE_MARGIN}.
 */
public sealed interface DrainStep {

    Duration DEADLINE_MARGIN = Duration.ofSeconds(5);

    /** Nothing to migrate (no address, no running server, or no session): delete the pod. */
    record RemoveEmpty(String why) implements DrainStep {}

    /** The fleet is scaled to zero: no pod can take the sessions; delete the pod (it closes them). */
    record RemoveWithoutTargets(long sessions) implements DrainStep {}

    /** The pod's status was read before the step it must decide on; wait for a fresh one. */
    record WaitForStatus() implements DrainStep {}

    /** No serving pod can take the sessions yet; look again at the next reconciliation. */
    record WaitForTargets() implements DrainStep {}

    /** Ask the pod to migrate its sessions to {@code targets}. */
    record Start(String podIP, List<String> targets, long sessions, DrainRecord.Counters counters)
            implements DrainStep {}

    /** The pod is empty: report how its sessions left and delete it. */
    record Finish(DrainRecord.Counters during, Duration took) implements DrainStep {}

    /** The deadline passed with {@code left} sessions (-1: unknown) still on the pod: delete it. */
    record TimeOut(long left, DrainRecord.Counters during, Duration took) implements DrainStep {}

    /** Sessions are still moving; {@code askAgain}: the pod lost its drain (restart, cancel by hand). */
    record Watch(boolean askAgain, String podIP) implements DrainStep {}

    /** Marked drained: delete it. */
    record Remove() implements DrainStep {}

    /** The next step of {@code pod}'s drain. */
    static DrainStep next(ServerFleet fleet, FleetPods pods, Pod pod, DrainRecord record, Instant now) {
        PodAdminStatus status = pods.status(pod);
        String ip = FleetPods.podIP(pod);
        return switch (record.state()) {
            case Requested -> {
                if (status != null && !pods.statusReadSince(pod, record.requestedAt())) {
                    // A session count from before the pod left the client Service may miss clients that came since.
                    yield new WaitForStatus();
                }
                boolean notRunning = status == null && PodPhases.hasNoRunningContainer(pod);
                if (ip == null || notRunning || (status != null && status.sessions() == 0)) {
                    yield new RemoveEmpty(
                            ip == null
                                    ? "it never got an address"
                                    : notRunning ? "its server is not running" : "it has no sessions");
                }
                List<String> targets = DrainTargets.forDrain(fleet, pods, pod, record.reason());
                if (!targets.isEmpty()) {
                    yield new Start(ip, targets, status == null ? -1 : status.sessions(), counters(status));
                }
                yield fleet.getSpec().getReplicas() == 0
                        ? new RemoveWithoutTargets(status == null ? -1 : status.sessions())
                        : new WaitForTargets();
            }
            case Draining -> {
                Instant started = record.startedAt() == null ? now : record.startedAt();
                Duration took = Duration.between(started, now);
                DrainRecord.Counters during = status == null
                        ? DrainRecord.Counters.ZERO
                        : counters(status).since(record.countersAtStart());
                boolean fresh = pods.statusReadSince(pod, record.startedAt());
                if (status != null && fresh && status.sessions() == 0) {
                    yield new Finish(during, took);
                }
                if (now.isAfter(deadline(fleet.getSpec(), started, record.sessionsAtStart()))) {
                    yield new TimeOut(status == null ? -1 : status.sessions(), during, took);
                }
                boolean lost = status != null
                        && fresh
                        && ip != null
                        && !record.targets().isEmpty()
                        && !status.drainsTo(record.targets());
                yield new Watch(lost, ip);
            }
            case Drained -> new Remove();
        };
    }

    /** The pod's migration counters as its admin API reports them. */
    static DrainRecord.Counters counters(PodAdminStatus status) {
        return status == null
                ? DrainRecord.Counters.ZERO
                : new DrainRecord.Counters(
                        status.migrationsRequested(),
                        status.migrationsCompleted(),
                        status.migrationsFailed(),
                        status.migrationsHandedOff());
    }

    static Instant deadline(ServerFleetSpec spec, Instant started, long sessions) {
        int rate = spec.getMigrationRatePerSecond();
        long askSeconds = rate <= 0 ? 0 : (Math.max(0, sessions) + rate - 1) / rate;
        return started.plusSeconds(askSeconds + spec.getIdleMigrationTimerSeconds())
                .plus(DEADLINE_MARGIN);
    }
}
