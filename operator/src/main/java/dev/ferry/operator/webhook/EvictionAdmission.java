package dev.ferry.operator.webhook;

import dev.ferry.operator.model.FleetPodStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an eviction of a pod may go through: the decision of the {@code pods/eviction} webhook. An
 * eviction of a fleet pod that serves clients is refused with 429 TooManyRequests (the answer
 * {@code kubectl drain}, the cluster autoscaler and Karpenter retry on, as for a disruption budget), and
 * the pod is marked {@link EvictionRequest#ANNOTATION} so that the leading operator replaces it, drains
 * its sessions to the fleet's other pods and deletes it; the caller's next try then finds it gone.
 * Everything else goes through untouched: pods of no fleet, fleets that cannot migrate (both timers 0),
 * pods that hold no clients.
 *
 * <p>Side effects only through {@link Cluster}: reading the pod and its fleet, marking the pod and
 * recording an Event, and none of those on a dry run.
 */
public final class EvictionAdmission {

    /** How long a pod stays refused after its first refused eviction when its drain has not started by then. */
    public static final Duration DEFAULT_MAX_HOLD = Duration.ofMinutes(10);

    /** What the decision reads and writes in the cluster. */
    public interface Cluster {
        Optional<Pod> pod(String namespace, String name);

        Optional<ServerFleet> fleet(String namespace, String name);

        /** Sets {@link EvictionRequest#ANNOTATION} to {@code value} on the pod. */
        void markEvictionRequested(Pod pod, String value);

        /** A Normal Event on the fleet that the eviction of {@code pod} started its drain. */
        void evictionRefused(ServerFleet fleet, Pod pod, String note);
    }

    /** The answer to one AdmissionReview. */
    public sealed interface Decision {
        /** The eviction goes on; {@code why} is logged, {@code warning} shown to the caller. */
        record Allow(String why, Optional<String> warning) implements Decision {
            public Allow(String why) {
                this(why, Optional.empty());
            }
        }

        /** Refused with this HTTP status code, reason and message. */
        record Deny(int code, String reason, String message) implements Decision {}
    }

    public static final int TOO_MANY_REQUESTS = 429;
    public static final String TOO_MANY_REQUESTS_REASON = "TooManyRequests";

    private final Cluster cluster;
    private final Clock clock;
    private final Duration maxHold;

    public EvictionAdmission(Cluster cluster, Clock clock, Duration maxHold) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxHold = Objects.requireNonNull(maxHold, "maxHold");
    }

    public EvictionAdmission(Cluster cluster) {
        this(cluster, Clock.systemUTC(), DEFAULT_MAX_HOLD);
    }

    public Decision decide(AdmissionReviews.Request request) {
        if (!request.isPodEviction()) {
            return new Decision.Allow("not a CREATE of pods/eviction");
        }
        String where = request.namespace() + "/" + request.name();
        Optional<Pod> found = cluster.pod(request.namespace(), request.name());
        if (found.isEmpty()) {
            return new Decision.Allow("pod " + where + " does not exist");
        }
        Pod pod = found.get();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return new Decision.Allow("pod " + where + " is already being deleted");
        }
        Map<String, String> labels = pod.getMetadata().getLabels();
        String fleetName = labels == null ? null : labels.get(FleetLabels.FLEET);
        if (fleetName == null || fleetName.isEmpty()) {
            return new Decision.Allow("pod " + where + " belongs to no ServerFleet");
        }
        Optional<ServerFleet> fleet =
                cluster.fleet(request.namespace(), fleetName).filter(f -> FleetLabels.isOwnedBy(pod, f));
        if (fleet.isEmpty()) {
            return new Decision.Allow("pod " + where + " is labelled " + FleetLabels.FLEET + "=" + fleetName
                    + " but no such ServerFleet owns it");
        }
        ServerFleetSpec spec = fleet.get().getSpec();
        if (spec.getIdleMigrationTimerSeconds() == 0 && spec.getSessionIdleTimerSeconds() == 0) {
            // The fleet asked for sessions to be closed rather than moved; nothing to wait for.
            return new Decision.Allow("ServerFleet " + fleetName + " has migration disabled (both timers 0)");
        }
        Optional<DrainRecord> drain = DrainRecord.of(pod);
        if (drain.isPresent()) {
            if (drain.get().state() == DrainState.Drained) {
                return new Decision.Allow("pod " + where + " is drained and about to be deleted");
            }
            // A draining server reports itself not ready: checked before readiness, or the eviction
            // would cut its drain short.
            return refuse(fleet.get(), pod, "is already draining");
        }
        if (!PodPhases.isReady(pod)
                || pod.getStatus() == null
                || pod.getStatus().getPodIP() == null) {
            return new Decision.Allow("pod " + where + " is not serving (not ready or no address)");
        }
        Instant now = clock.instant();
        Optional<Instant> requestedAt = EvictionRequest.requestedAt(pod);
        if (EvictionRequest.isRequested(pod)) {
            if (requestedAt.isPresent() && !now.isBefore(requestedAt.get().plus(maxHold))) {
                // Its drain never started (no pod could replace it, say): let the eviction through; the server
                // still migrates its sessions to its peers on SIGTERM.
                String why = "the eviction of pod " + where + " was first refused at " + requestedAt.get()
                        + " and its drain has not started within " + maxHold.toMinutes()
                        + " min; letting it through (the pod migrates its sessions on SIGTERM)";
                return new Decision.Allow(why, Optional.of("ferry: " + why));
            }
            return refuse(fleet.get(), pod, "waits for its replacement, then drains");
        }
        if (!request.dryRun()) {
            cluster.markEvictionRequested(
                    pod, now.truncatedTo(ChronoUnit.SECONDS).toString());
            cluster.evictionRefused(
                    fleet.get(),
                    pod,
                    "Eviction of pod " + pod.getMetadata().getName()
                            + request.user().map(u -> " requested by " + u).orElse("")
                            + " refused: its " + sessionsText(fleet.get(), pod)
                            + " migrate to the fleet's other pods first; the pod is replaced, drained and then deleted.");
        }
        return refuse(fleet.get(), pod, "starts its drain");
    }

    private static Decision refuse(ServerFleet fleet, Pod pod, String state) {
        String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        return new Decision.Deny(
                TOO_MANY_REQUESTS,
                TOO_MANY_REQUESTS_REASON,
                "pod " + name + " of ServerFleet " + fleet.getMetadata().getName() + " " + state
                        + ": it is migrating its " + sessionsText(fleet, pod)
                        + " to the fleet's other pods, and the operator deletes it once they have moved;"
                        + " retry the eviction (kubectl drain retries by itself)");
    }

    /** "30 sessions" as the fleet's status last counted them on the pod, else "sessions". */
    static String sessionsText(ServerFleet fleet, Pod pod) {
        if (fleet.getStatus() == null || fleet.getStatus().getPods() == null) {
            return "sessions";
        }
        return fleet.getStatus().getPods().stream()
                .filter(p -> pod.getMetadata().getName().equals(p.getName()))
                .map(FleetPodStatus::getSessions)
                .filter(Objects::nonNull)
                .findFirst()
                .map(n -> n + (n == 1 ? " session" : " sessions"))
                .orElse("sessions");
    }
}
