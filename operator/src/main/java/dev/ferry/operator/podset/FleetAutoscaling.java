package dev.ferry.operator.podset;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.autoscale.SessionAutoscaler;
import dev.ferry.operator.drain.FleetPods;
import dev.ferry.operator.model.AutoscalingSpec;
import dev.ferry.operator.model.AutoscalingStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.RebalanceState;
import dev.ferry.operator.status.AutoscalingReport;
import dev.ferry.operator.status.ConditionType;
import dev.ferry.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * The pod-set step that scales a fleet with spec.autoscaling: it asks {@link SessionAutoscaler} for the
 * replicas the sessions call for and sets spec.replicas through the scale subresource, the way a
 * HorizontalPodAutoscaler does, so the scale-up and scale-down themselves are the usual ones (new pods
 * get sessions by rebalance, removed pods drain first). When a HorizontalPodAutoscaler targets the
 * fleet too, this step stands aside and says so rather than fight it over spec.replicas.
 */
final class FleetAutoscaling {

    private static final Logger log = Logger.getLogger(FleetAutoscaling.class);

    private FleetAutoscaling() {}

    /** Whether {@code hpa} scales {@code fleet}. */
    static boolean targets(HorizontalPodAutoscaler hpa, ServerFleet fleet) {
        var ref = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
        return ref != null
                && "ServerFleet".equals(ref.getKind())
                && fleet.getMetadata().getName().equals(ref.getName())
                && ref.getApiVersion() != null
                && ref.getApiVersion().startsWith(ServerFleet.GROUP + "/");
    }

    /**
     * One step: decides, writes spec.replicas when it changes, and reports for the status.
     *
     * @param settled nothing is being created, rolled, drained or moved onto in the fleet
     * @return the report for the status, null when nothing autoscales the fleet
     */
    static AutoscalingReport step(
            ServerFleet fleet,
            FleetPods view,
            boolean settled,
            List<HorizontalPodAutoscaler> autoscalers,
            KubernetesClient client,
            FleetEvents events,
            Instant now) {
        AutoscalingSpec spec = fleet.getSpec().getAutoscaling();
        String hpas = String.join(
                ", ",
                autoscalers.stream()
                        .map(h -> h.getMetadata().getName())
                        .sorted()
                        .toList());
        if (spec == null) {
            return autoscalers.isEmpty()
                    ? null
                    : new AutoscalingReport(
                            null,
                            true,
                            "HorizontalPodAutoscaler",
                            "HorizontalPodAutoscaler " + hpas + " scales the fleet through its scale subresource.");
        }
        if (!autoscalers.isEmpty()) {
            String message = "HorizontalPodAutoscaler " + hpas + " scales this fleet too, so spec.autoscaling is"
                    + " not acted on (two autoscalers would fight over spec.replicas): remove spec.autoscaling or"
                    + " the HorizontalPodAutoscaler.";
            boolean already = previous(fleet)
                    .map(c -> "ConflictingAutoscalers".equals(c.getReason()))
                    .orElse(false);
            if (!already) {
                events.warning(fleet, "ConflictingAutoscalers", "Scale", null, message);
            }
            return new AutoscalingReport(previousStatus(fleet), false, "ConflictingAutoscalers", message);
        }

        int replicas = fleet.getSpec().getReplicas();
        AutoscalingStatus before = previousStatus(fleet);
        SessionAutoscaler.Decision decision = SessionAutoscaler.decide(new SessionAutoscaler.Input(
                spec,
                replicas,
                sessions(view),
                settled,
                before == null ? List.of() : before.getRecommendations(),
                now));
        String lastScaleTime = before == null ? null : before.getLastScaleTime();
        String lastScale = before == null ? null : before.getLastScale();
        if (decision.scales(replicas) && scale(fleet, decision.replicas(), client)) {
            log.infof(
                    "ServerFleet %s/%s: %s",
                    fleet.getMetadata().getNamespace(), fleet.getMetadata().getName(), decision.why());
            events.normal(fleet, "Autoscaled", "Scale", null, decision.why());
            lastScaleTime =
                    now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            lastScale = decision.why();
        }
        AutoscalingStatus status =
                new AutoscalingStatus(decision.recommended(), lastScaleTime, lastScale, decision.history());
        return new AutoscalingReport(
                status,
                true,
                "SessionTarget",
                "Recommends " + decision.recommended() + " pod(s) for "
                        + (sessions(view).isPresent() ? sessions(view).getAsLong() + " sessions" : "the sessions")
                        + " at " + spec.getTargetSessionsPerPod() + " per pod (between " + spec.getMinReplicas()
                        + " and " + spec.getMaxReplicas() + ").");
    }

    /**
     * Whether the fleet has settled enough for the autoscaler to change it again: as many active pods as
     * replicas, all serving on the current revision, none draining, and none still waiting for sessions
     * to be moved onto it.
     */
    static boolean settled(FleetPods view, int replicas, boolean drainsInProgress) {
        List<Pod> active = view.active();
        return !drainsInProgress
                && view.draining().isEmpty()
                && active.size() == replicas
                && active.stream().allMatch(view::isNew)
                && view.serving().size() == active.size()
                && active.stream().noneMatch(RebalanceState::isPending)
                // A pod on a draining node or evicted is about to be replaced: not settled either.
                && view.displaced().isEmpty();
    }

    /** The fleet's sessions; empty while an active pod has not reported its count. */
    private static OptionalLong sessions(FleetPods view) {
        long total = 0;
        for (Pod pod : view.active()) {
            PodAdminStatus status = view.status(pod);
            if (status == null) {
                return OptionalLong.empty();
            }
            total += status.sessions();
        }
        return OptionalLong.of(total);
    }

    /**
     * Sets spec.replicas through the scale subresource, on the condition that the fleet is still the
     * one this decision was made on (its resourceVersion); a conflict leaves it to the next reconciliation.
     */
    private static boolean scale(ServerFleet fleet, int replicas, KubernetesClient client) {
        String ns = fleet.getMetadata().getNamespace();
        String name = fleet.getMetadata().getName();
        try {
            client.resources(ServerFleet.class)
                    .inNamespace(ns)
                    .withName(name)
                    .scale(new ScaleBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(ns)
                            .withResourceVersion(fleet.getMetadata().getResourceVersion())
                            .endMetadata()
                            .withNewSpec()
                            .withReplicas(replicas)
                            .endSpec()
                            .build());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            log.debugf("ServerFleet %s/%s changed before it could be scaled; deciding again", ns, name);
            return false;
        }
    }

    private static AutoscalingStatus previousStatus(ServerFleet fleet) {
        return fleet.getStatus() == null ? null : fleet.getStatus().getAutoscaling();
    }

    private static java.util.Optional<io.fabric8.kubernetes.api.model.Condition> previous(ServerFleet fleet) {
        return fleet.getStatus() == null
                ? java.util.Optional.empty()
                : Conditions.find(
                        Objects.requireNonNullElse(fleet.getStatus().getConditions(), List.of()),
                        ConditionType.Autoscaling);
    }
}
