package dev.ferry.operator.drain;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which nodes are being drained: cordoned ({@code spec.unschedulable}) or carrying a drain taint
 * ({@link #DRAIN_TAINT_KEYS} with effect NoSchedule or NoExecute). Fleet pods on such a node are
 * replaced and drained before {@code kubectl drain} (or a cluster autoscaler) would evict them.
 */
public final class NodeDrains {

    /** Taint keys that announce a drain: the cordon taint and Ferry's own. */
    public static final Set<String> DRAIN_TAINT_KEYS = Set.of("node.kubernetes.io/unschedulable", "ferry.dev/drain");
    /** Taint effects that count: the node takes no new pods, or evicts them. */
    public static final Set<String> DRAIN_TAINT_EFFECTS = Set.of("NoSchedule", "NoExecute");

    private NodeDrains() {}

    public static boolean isDraining(Node node) {
        return why(node).isPresent();
    }

    /** Why the node counts as draining ("cordoned", "tainted ferry.dev/drain:NoSchedule"); empty when it does not. */
    public static Optional<String> why(Node node) {
        if (node == null || node.getSpec() == null) {
            return Optional.empty();
        }
        List<String> reasons = new ArrayList<>();
        if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            reasons.add("cordoned");
        }
        if (node.getSpec().getTaints() != null) {
            for (Taint t : node.getSpec().getTaints()) {
                if (DRAIN_TAINT_KEYS.contains(t.getKey()) && DRAIN_TAINT_EFFECTS.contains(t.getEffect())) {
                    reasons.add("tainted " + t.getKey() + ":" + t.getEffect());
                }
            }
        }
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", reasons));
    }
}
