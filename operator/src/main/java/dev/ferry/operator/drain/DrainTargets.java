package dev.ferry.operator.drain;

import dev.ferry.operator.model.Advertise;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.ClientService;
import dev.ferry.operator.resources.DrainReason;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** The addresses sessions are sent to: migration targets of a drain, and each pod's peers. */
public final class DrainTargets {

    /** A drain spreads its sessions over at most this many of the least loaded pods. */
    static final int MAX_TARGETS = 3;

    private DrainTargets() {}

    /**
     * Targets for draining {@code victim}: serving pods (ready, not draining, not on a draining node), least loaded first; for
     * a rollout only pods of the current revision, so a client moves once. Empty when there is none.
     */
    public static List<String> forDrain(ServerFleet fleet, FleetPods pods, Pod victim, DrainReason reason) {
        List<Pod> candidates = pods.targets().stream()
                .filter(p -> !FleetPods.name(p).equals(FleetPods.name(victim)))
                .filter(p -> reason != DrainReason.Rollout || pods.isNew(p))
                .filter(p -> FleetPods.podIP(p) != null)
                .sorted(Comparator.<Pod>comparingLong(p -> Math.max(0, pods.sessions(p)))
                        .thenComparing(FleetPods::name))
                .toList();
        if (candidates.isEmpty()) {
            return List.of();
        }
        if (fleet.getSpec().getAdvertise() == Advertise.Service) {
            return List.of(ClientService.address(fleet));
        }
        int count = evenedOutCount(candidates.stream().mapToLong(pods::sessions).toArray(), pods.sessions(victim));
        return candidates.stream()
                .limit(Math.min(count, MAX_TARGETS))
                .map(p -> address(fleet, p))
                .toList();
    }

    /**
     * How many of the least loaded candidates ({@code loads} ascending) should take the victim's
     * {@code incoming} sessions so that the load evens out: those below the level the sessions fill
     * up to ("water filling"). The server spreads a drain evenly over its targets, so a loaded target
     * in the list gets as many as an empty one: in a rollout with maxSurge 1 the first new pod takes
     * all of the first old pod's sessions, and sending the second old pod's sessions to both new pods
     * left the fleet at 1833/833/334 instead of 1000 each. With a count unknown (-1) every candidate
     * qualifies, as before.
     */
    static int evenedOutCount(long[] loads, long incoming) {
        if (loads.length == 0) {
            return 0;
        }
        if (incoming < 0 || Arrays.stream(loads).anyMatch(l -> l < 0)) {
            return loads.length;
        }
        long sum = 0;
        for (int k = 1; k <= loads.length; k++) {
            sum += loads[k - 1];
            // Level if the first k take everything: (their load + incoming) / k. Stop when the next one is
            // already at or above it: it would only get sessions the emptier ones still have room for.
            if (k == loads.length || (sum + incoming) <= loads[k] * k) {
                return k;
            }
        }
        return loads.length;
    }

    /** Peers of {@code pod}: where it drains itself to on SIGTERM. Sorted, so equal sets compare equal. */
    public static List<String> peersOf(ServerFleet fleet, FleetPods pods, Pod pod) {
        List<Pod> others = pods.targets().stream()
                .filter(p -> !FleetPods.name(p).equals(FleetPods.name(pod)))
                .filter(p -> FleetPods.podIP(p) != null)
                .toList();
        if (others.isEmpty()) {
            return List.of();
        }
        if (fleet.getSpec().getAdvertise() == Advertise.Service) {
            return List.of(ClientService.address(fleet));
        }
        return others.stream().map(p -> address(fleet, p)).sorted().toList();
    }

    static String address(ServerFleet fleet, Pod pod) {
        return Objects.requireNonNull(FleetPods.podIP(pod)) + ":"
                + fleet.getSpec().getClientPort();
    }
}
