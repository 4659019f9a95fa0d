package dev.ferry.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.ScaleDownPolicy;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.EvictionRequest;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DrainPlannerTest {

    private static final String NEW = "new0000000";
    private static final String OLD = "old0000000";

    @Test
    void scaleDownPicksTheFewestSessionsAndNotReadyFirst() {
        ServerFleet fleet = fleet(2);
        List<Pod> pods = List.of(pod("a", OLD, true, null), pod("b", OLD, true, null), pod("c", OLD, true, null));
        FleetPods view = new FleetPods(pods, sessions(Map.of("a", 30L, "b", 5L, "c", 20L)), OLD);

        DrainPlan plan = DrainPlanner.plan(fleet, view);

        assertThat(plan.reason()).isEqualTo(DrainReason.ScaleDown);
        assertThat(plan.victims()).extracting(p -> p.getMetadata().getName()).containsExactly("b");
        assertThat(plan.podsToCreate()).isZero();

        List<Pod> withStarting =
                List.of(pod("a", OLD, true, null), pod("b", OLD, true, null), pod("c", OLD, false, null));
        assertThat(DrainPlanner.plan(fleet, new FleetPods(withStarting, sessions(Map.of("a", 30L, "b", 5L)), OLD))
                        .victims())
                .extracting(p -> p.getMetadata().getName())
                .containsExactly("c");
    }

    @Test
    void newestPolicyPicksTheYoungestPod() {
        ServerFleet fleet = fleet(1);
        fleet.getSpec().setScaleDownPolicy(ScaleDownPolicy.Newest);
        List<Pod> pods = List.of(pod("a", OLD, true, null), pod("b", OLD, true, null));
        pods.get(0).getMetadata().setCreationTimestamp("2026-01-01T00:00:02Z");
        pods.get(1).getMetadata().setCreationTimestamp("2026-01-01T00:00:01Z");
        assertThat(DrainPlanner.plan(fleet, new FleetPods(pods, Map.of(), OLD)).victims())
                .extracting(p -> p.getMetadata().getName())
                .containsExactly("a");
    }

    @Test
    void rolloutSurgesFirstThenDrainsOneOldPodOnceANewOneIsReady() {
        ServerFleet fleet = fleet(3);
        List<Pod> old = List.of(pod("a", OLD, true, null), pod("b", OLD, true, null), pod("c", OLD, true, null));
        DrainPlan surge = DrainPlanner.plan(fleet, new FleetPods(old, Map.of(), NEW));
        assertThat(surge.podsToCreate()).isEqualTo(1);
        assertThat(surge.victims()).isEmpty();

        List<Pod> starting = new java.util.ArrayList<>(old);
        starting.add(pod("n1", NEW, false, null));
        DrainPlan waiting = DrainPlanner.plan(fleet, new FleetPods(starting, Map.of(), NEW));
        assertThat(waiting.podsToCreate()).isZero();
        assertThat(waiting.victims())
                .as("no ready new pod to take the clients yet")
                .isEmpty();

        List<Pod> ready = new java.util.ArrayList<>(old);
        ready.add(pod("n1", NEW, true, null));
        DrainPlan drain = DrainPlanner.plan(fleet, new FleetPods(ready, Map.of(), NEW));
        assertThat(drain.reason()).isEqualTo(DrainReason.Rollout);
        assertThat(drain.victims())
                .hasSize(1)
                .allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("ferry.dev/revision", OLD));

        List<Pod> draining = List.of(
                pod("a", OLD, true, DrainState.Draining),
                pod("b", OLD, true, null),
                pod("c", OLD, true, null),
                pod("n1", NEW, true, null));
        DrainPlan meanwhile = DrainPlanner.plan(fleet, new FleetPods(draining, Map.of(), NEW));
        assertThat(meanwhile.podsToCreate()).as("replicas + maxSurge reached").isZero();
        assertThat(meanwhile.victims()).isEmpty();
    }

    @Test
    void aRolloutReplacesOldPodsThatNeverStartedAtOnce() {
        ServerFleet fleet = fleet(2);
        // A template with a bad image: neither pod's server ever ran. The fixed template's first pod is ready.
        Pod a = waiting(pod("a", OLD, false, null), "ImagePullBackOff");
        Pod b = waiting(pod("b", OLD, false, null), "ErrImagePull");
        List<Pod> pods = List.of(a, b, pod("n1", NEW, true, null));

        DrainPlan plan = DrainPlanner.plan(fleet, new FleetPods(pods, Map.of(), NEW));

        assertThat(plan.reason()).isEqualTo(DrainReason.Rollout);
        assertThat(plan.victims()).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("a", "b");
        assertThat(DrainPlanner.plan(fleet, new FleetPods(List.of(a, b), Map.of(), NEW))
                        .victims())
                .as("before any new pod is ready too: they serve nobody")
                .hasSize(2);
        // Running but not ready (its store is down, say): it may hold sessions, so it waits for the rollout's budget.
        assertThat(DrainPlanner.plan(fleet, new FleetPods(List.of(pod("a", OLD, false, null), b), Map.of(), NEW))
                        .victims())
                .extracting(p -> p.getMetadata().getName())
                .containsExactly("b");
    }

    private static Pod waiting(Pod pod, String reason) {
        pod.getStatus()
                .setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("server")
                        .withNewState()
                        .withNewWaiting()
                        .withReason(reason)
                        .endWaiting()
                        .endState()
                        .build()));
        return pod;
    }

    @Test
    void pausedRolloutStartsNothing() {
        ServerFleet fleet = fleet(2);
        fleet.getSpec().getUpdateStrategy().setPaused(true);
        List<Pod> old = List.of(pod("a", OLD, true, null), pod("b", OLD, true, null));
        DrainPlan plan = DrainPlanner.plan(fleet, new FleetPods(old, Map.of(), NEW));
        assertThat(plan.podsToCreate()).isZero();
        assertThat(plan.victims()).isEmpty();
    }

    @Test
    void podsOnADrainingNodeAreReplacedFirstAndDrainedOnceTheReplacementIsReady() {
        ServerFleet fleet = fleet(3);
        Set<String> cordoned = Set.of("n3");
        List<Pod> pods = List.of(
                on(pod("a", OLD, true, null), "n1"),
                on(pod("b", OLD, true, null), "n2"),
                on(pod("c", OLD, true, null), "n3"));
        DrainPlan surge = DrainPlanner.plan(fleet, new FleetPods(pods, Map.of(), OLD, cordoned));
        assertThat(surge.reason()).isEqualTo(DrainReason.NodeDrain);
        assertThat(surge.podsToCreate()).as("one replacement").isEqualTo(1);
        assertThat(surge.victims())
                .as("nothing drains before the replacement is ready")
                .isEmpty();
        assertThat(surge.displaced()).extracting(p -> p.getMetadata().getName()).containsExactly("c");

        List<Pod> starting = new ArrayList<>(pods);
        starting.add(pod("d", OLD, false, null));
        DrainPlan waiting = DrainPlanner.plan(fleet, new FleetPods(starting, Map.of(), OLD, cordoned));
        assertThat(waiting.podsToCreate()).as("the replacement exists").isZero();
        assertThat(waiting.victims()).isEmpty();

        List<Pod> ready = new ArrayList<>(pods);
        ready.add(on(pod("d", OLD, true, null), "n1"));
        FleetPods view = new FleetPods(ready, Map.of(), OLD, cordoned);
        DrainPlan drain = DrainPlanner.plan(fleet, view);
        assertThat(drain.podsToCreate()).isZero();
        assertThat(drain.reason()).isEqualTo(DrainReason.NodeDrain);
        assertThat(drain.victims()).extracting(p -> p.getMetadata().getName()).containsExactly("c");
        assertThat(DrainTargets.forDrain(fleet, view, ready.get(2), DrainReason.NodeDrain))
                .as("targets: serving pods not on a draining node")
                .hasSize(3)
                .doesNotContain(DrainTargets.address(fleet, ready.get(2)));
        assertThat(DrainTargets.peersOf(fleet, view, ready.get(0)))
                .doesNotContain(DrainTargets.address(fleet, ready.get(2)));

        List<Pod> afterMark =
                List.of(ready.get(0), ready.get(1), on(pod("c", OLD, true, DrainState.Requested), "n3"), ready.get(3));
        DrainPlan marked = DrainPlanner.plan(fleet, new FleetPods(afterMark, Map.of(), OLD, cordoned));
        assertThat(marked.podsToCreate()).isZero();
        assertThat(marked.victims()).isEmpty();
        assertThat(marked.displaced()).isEmpty();
    }

    @Test
    void twoDisplacedPodsGoOneReplacementAtATimeAndNotReadyOnesGoAtOnce() {
        ServerFleet fleet = fleet(3);
        Set<String> cordoned = Set.of("n2");
        List<Pod> pods = List.of(
                on(pod("a", OLD, true, null), "n1"),
                on(pod("b", OLD, true, null), "n2"),
                on(pod("c", OLD, false, null), "n2"),
                on(pod("d", OLD, true, null), "n3"));
        DrainPlan plan = DrainPlanner.plan(
                fleet, new FleetPods(pods, sessions(Map.of("a", 1L, "b", 1L, "d", 1L)), OLD, cordoned));
        assertThat(plan.podsToCreate()).as("3 wanted, 2 stay").isEqualTo(1);
        assertThat(plan.victims())
                .as("the not-ready pod goes at once; b waits for a replacement")
                .extracting(p -> p.getMetadata().getName())
                .containsExactly("c");
    }

    @Test
    void anEvictedPodIsReplacedFirstAndDrainsAsAnEvictionOnceTheReplacementIsReady() {
        ServerFleet fleet = fleet(2);
        List<Pod> pods = List.of(pod("a", OLD, true, null), evicted(pod("b", OLD, true, null)));
        DrainPlan surge = DrainPlanner.plan(fleet, new FleetPods(pods, sessions(Map.of("a", 5L, "b", 30L)), OLD));
        assertThat(surge.podsToCreate()).as("one replacement").isEqualTo(1);
        assertThat(surge.victims())
                .as("nothing drains before the replacement is ready")
                .isEmpty();
        assertThat(surge.displaced()).extracting(p -> p.getMetadata().getName()).containsExactly("b");

        List<Pod> ready = new ArrayList<>(pods);
        ready.add(pod("c", OLD, true, null));
        FleetPods view = new FleetPods(ready, sessions(Map.of("a", 5L, "b", 30L, "c", 0L)), OLD);
        DrainPlan drain = DrainPlanner.plan(fleet, view);
        assertThat(drain.podsToCreate()).isZero();
        assertThat(drain.victims()).extracting(p -> p.getMetadata().getName()).containsExactly("b");
        assertThat(drain.reasonFor(drain.victims().getFirst())).isEqualTo(DrainReason.Eviction);
        assertThat(view.targets())
                .as("an evicted pod takes no sessions")
                .extracting(p -> p.getMetadata().getName())
                .containsExactlyInAnyOrder("a", "c");

        // On a cordoned node too (kubectl drain cordons, then evicts): the eviction names it.
        Pod cordonedOnly = on(pod("d", OLD, true, null), "n1");
        Pod cordonedAndEvicted = on(evicted(pod("e", OLD, true, null)), "n1");
        List<Pod> both =
                List.of(cordonedOnly, cordonedAndEvicted, pod("f", OLD, true, null), pod("g", OLD, true, null));
        DrainPlan mixed = DrainPlanner.plan(fleet, new FleetPods(both, Map.of(), OLD, Set.of("n1")));
        assertThat(mixed.victims()).hasSize(2);
        assertThat(mixed.reasonFor(cordonedOnly)).isEqualTo(DrainReason.NodeDrain);
        assertThat(mixed.reasonFor(cordonedAndEvicted)).isEqualTo(DrainReason.Eviction);
        assertThat(new DrainPlan(0, List.of(), DrainReason.ScaleDown).reasonFor(cordonedAndEvicted))
                .as("only a displaced pod's drain is named after its eviction")
                .isEqualTo(DrainReason.ScaleDown);

        // An evicted pod that is not ready goes at once; one already marked is no longer displaced.
        List<Pod> notReady = List.of(pod("a", OLD, true, null), evicted(pod("b", OLD, false, null)));
        DrainPlan atOnce = DrainPlanner.plan(fleet, new FleetPods(notReady, Map.of(), OLD));
        assertThat(atOnce.victims()).extracting(p -> p.getMetadata().getName()).containsExactly("b");
        List<Pod> marked = List.of(
                pod("a", OLD, true, null),
                evicted(pod("b", OLD, true, DrainState.Requested)),
                pod("c", OLD, true, null));
        DrainPlan after = DrainPlanner.plan(fleet, new FleetPods(marked, Map.of(), OLD));
        assertThat(after.victims()).isEmpty();
        assertThat(after.displaced()).isEmpty();
        assertThat(after.podsToCreate()).isZero();
    }

    private static Pod evicted(Pod pod) {
        return new PodBuilder(pod)
                .editMetadata()
                .addToAnnotations(EvictionRequest.ANNOTATION, "2026-12-06T21:00:00Z")
                .endMetadata()
                .build();
    }

    @Test
    void nodeDrainStateComesFromCordonAndDrainTaints() {
        assertThat(NodeDrains.isDraining(
                        new NodeBuilder().withNewSpec().endSpec().build()))
                .isFalse();
        assertThat(NodeDrains.why(new NodeBuilder()
                        .withNewSpec()
                        .withUnschedulable(true)
                        .endSpec()
                        .build()))
                .contains("cordoned");
        assertThat(NodeDrains.isDraining(node("ferry.dev/drain", "NoExecute"))).isTrue();
        assertThat(NodeDrains.isDraining(node("node.kubernetes.io/unschedulable", "NoSchedule")))
                .isTrue();
        assertThat(NodeDrains.isDraining(node("ferry.dev/drain", "PreferNoSchedule")))
                .isFalse();
        assertThat(NodeDrains.isDraining(node("example.com/other", "NoSchedule")))
                .isFalse();
    }

    private static Node node(String key, String effect) {
        return new NodeBuilder()
                .withNewSpec()
                .addNewTaint()
                .withKey(key)
                .withEffect(effect)
                .endTaint()
                .endSpec()
                .build();
    }

    private static Pod on(Pod pod, String node) {
        return new PodBuilder(pod).editOrNewSpec().withNodeName(node).endSpec().build();
    }

    static ServerFleet fleet(int replicas) {
        ServerFleet fleet = Fleets.valid("f", replicas);
        fleet.getMetadata().setUid("uid-f");
        return fleet;
    }

    static Map<String, PodAdminStatus> sessions(Map<String, Long> counts) {
        Map<String, PodAdminStatus> out = new HashMap<>();
        counts.forEach((pod, n) -> out.put(pod, new PodAdminStatus(n, Map.of(), true, null, 0, 0, 0, List.of())));
        return out;
    }

    static Pod pod(String name, String revision, boolean ready, DrainState drain) {
        PodBuilder b = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withUid("uid-" + name)
                .withCreationTimestamp("2026-01-01T00:00:00Z")
                .addToLabels("ferry.dev/fleet", "f")
                .addToLabels("ferry.dev/revision", revision)
                .addToLabels("ferry.dev/serving", drain == null ? "true" : "false")
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("127.0.0." + (10 + Math.abs(name.hashCode() % 200)))
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus();
        if (drain != null) {
            b.editMetadata()
                    .addToAnnotations(
                            DrainRecord.ANNOTATION,
                            new DrainRecord(
                                            drain,
                                            DrainReason.ScaleDown,
                                            null,
                                            null,
                                            List.of(),
                                            0,
                                            DrainRecord.Counters.ZERO,
                                            false)
                                    .toJson())
                    .endMetadata();
        }
        return b.build();
    }
}
