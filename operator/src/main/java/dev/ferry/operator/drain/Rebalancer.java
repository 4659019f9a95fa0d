package dev.ferry.operator.drain;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.RebalanceState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Carries out rebalances after a scale-up ({@link RebalancePlanner} decides): each round asks the
 * donors to migrate their share through {@code POST /v1/migrate}, and the next round waits both for
 * the counts to settle and for the time the round needs at {@code spec.rebalance.ratePerSecond}, so
 * the whole fleet moves at most that many sessions per second. Per-fleet pacing is kept here (a
 * restarted operator just waits for the counts to settle); which pods still wait is on the pods.
 */
public final class Rebalancer {

    private static final Logger log = Logger.getLogger(Rebalancer.class);

    /** Fleet uid → its last round: when the donors had been asked, and when the next round may start. */
    private final Map<String, Round> rounds = new ConcurrentHashMap<>();

    private final Clock clock;

    public Rebalancer() {
        this(Clock.systemUTC());
    }

    /** @param clock stamps when a round's donors have been asked (the pods' counts must be newer) */
    public Rebalancer(Clock clock) {
        this.clock = clock;
    }

    private record Round(Instant asked, Instant next) {}

    /** Drops a deleted fleet's pacing. */
    public void forget(String fleetUid) {
        rounds.remove(fleetUid);
    }

    public boolean tracks(String fleetUid) {
        return rounds.containsKey(fleetUid);
    }

    /**
     * One step of the fleet's rebalance, if any; returns what was done (admin call failures are added
     * to {@code failures}).
     */
    public RebalancePlan step(
            ServerFleet fleet,
            FleetPods pods,
            boolean busy,
            Instant now,
            PodAdminClient admin,
            PodWrites writes,
            FleetEvents events,
            List<String> failures) {
        String uid = fleet.getMetadata().getUid();
        int rate = fleet.getSpec().getRebalance() == null
                ? 1
                : Math.max(1, fleet.getSpec().getRebalance().getRatePerSecond());
        Round last = rounds.get(uid);
        RebalancePlan plan = RebalancePlanner.plan(fleet, pods, busy, rate, last == null ? null : last.asked());
        switch (plan.step()) {
            case NONE -> rounds.remove(uid);
            case WAIT ->
                log.debugf("Rebalance of %s waits: %s", fleet.getMetadata().getName(), plan.why());
            case FINISHED -> finish(fleet, pods, plan, writes, events);
            case MOVE -> {
                if (last != null && now.isBefore(last.next())) {
                    return RebalancePlan.waiting("pacing at " + rate + " sessions/s", plan.receivers());
                }
                move(fleet, pods, plan, rate, admin, events, failures);
                // Stamped after the calls returned: a count read before then may predate the migrations.
                rounds.put(uid, new Round(clock.instant(), now.plus(Duration.ofMillis(plan.total() * 1000L / rate))));
            }
        }
        return plan;
    }

    private void move(
            ServerFleet fleet,
            FleetPods pods,
            RebalancePlan plan,
            int rate,
            PodAdminClient admin,
            FleetEvents events,
            List<String> failures) {
        List<String> asked = new ArrayList<>();
        for (Map.Entry<String, Integer> move : plan.moves().entrySet()) {
            Pod donor = pods.all().stream()
                    .filter(p -> FleetPods.name(p).equals(move.getKey()))
                    .findFirst()
                    .orElseThrow();
            try {
                admin.migrate(FleetPods.podIP(donor), move.getValue(), plan.targets())
                        .join();
                asked.add(move.getKey() + " " + move.getValue());
            } catch (CompletionException e) {
                String message = Objects.requireNonNullElse(e.getCause(), e).getMessage();
                log.warnf("Rebalance: cannot ask pod %s to migrate sessions: %s", move.getKey(), message);
                failures.add(move.getKey() + ": migrate: " + message);
            }
        }
        if (asked.isEmpty()) {
            return;
        }
        String receivers = String.join(
                ", ",
                plan.receivers().stream()
                        .map(p -> FleetPods.name(p) + " (" + Math.max(0, pods.sessions(p)) + " sessions)")
                        .toList());
        log.infof("Rebalance of %s: moving %s to %s", fleet.getMetadata().getName(), asked, plan.targets());
        events.normal(
                fleet,
                "RebalanceStep",
                "Rebalance",
                null,
                "Rebalance round: moving " + plan.total() + " sessions (" + String.join(", ", asked)
                        + ") to new pod(s) " + receivers + "; fleet average " + plan.average()
                        + " sessions per pod, at " + rate + " sessions/s.");
    }

    private void finish(ServerFleet fleet, FleetPods pods, RebalancePlan plan, PodWrites writes, FleetEvents events) {
        rounds.remove(fleet.getMetadata().getUid());
        List<String> done = new ArrayList<>();
        Map<String, String> removeMark = new HashMap<>();
        removeMark.put(RebalanceState.ANNOTATION, null);
        for (Pod pod : plan.receivers()) {
            if (writes.patchMetadata(pod, Map.of(), removeMark) != null) {
                done.add(FleetPods.name(pod) + " (" + Math.max(0, pods.sessions(pod)) + " sessions)");
            }
        }
        if (!done.isEmpty()) {
            log.infof("Rebalance of %s finished: %s", fleet.getMetadata().getName(), plan.why());
            events.normal(
                    fleet,
                    "RebalanceFinished",
                    "Rebalance",
                    null,
                    "Rebalance finished (" + plan.why() + "): new pod(s) " + String.join(", ", done)
                            + "; fleet average " + plan.average() + " sessions per pod.");
        }
    }
}
