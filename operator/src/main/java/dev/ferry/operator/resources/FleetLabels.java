package dev.ferry.operator.resources;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels and owner reference that tie a fleet's objects to it. */
public final class FleetLabels {

    /** Every object of a fleet carries it; its value is the fleet's name. The scale selector uses it. */
    public static final String FLEET = "ferry.dev/fleet";
    /** On pods: the hash of the pod template the pod was created from. */
    public static final String REVISION = "ferry.dev/revision";
    /** On pods: "true" while the pod may get new clients; a drain sets it to "false" first. */
    public static final String SERVING = "ferry.dev/serving";

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "ferry-operator";

    private FleetLabels() {}

    /** Labels every object the operator makes for {@code fleet} carries. */
    public static Map<String, String> of(ServerFleet fleet) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(FLEET, fleet.getMetadata().getName());
        labels.put(MANAGED_BY, MANAGER);
        return labels;
    }

    /** The selector of all the fleet's pods, as a map. */
    public static Map<String, String> podSelector(ServerFleet fleet) {
        return Map.of(FLEET, fleet.getMetadata().getName());
    }

    /** The selector of all the fleet's pods, as the string the scale subresource reports. */
    public static String podSelectorString(ServerFleet fleet) {
        return FLEET + "=" + fleet.getMetadata().getName();
    }

    /** Controller owner reference: owned objects are garbage-collected with the fleet. */
    public static OwnerReference ownerReference(ServerFleet fleet) {
        return new OwnerReferenceBuilder()
                .withApiVersion(fleet.getApiVersion())
                .withKind(fleet.getKind())
                .withName(fleet.getMetadata().getName())
                .withUid(fleet.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /**
     * Metadata of an object the operator makes for {@code fleet}: its name, the fleet's namespace, the
     * fleet's labels, the controller owner reference (so it goes with the fleet) and an empty
     * annotation map (the dependent-resource machinery records its own annotations there).
     */
    public static ObjectMeta ownedMetadata(ServerFleet fleet, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(fleet.getMetadata().getNamespace())
                .withLabels(of(fleet))
                .withAnnotations(new LinkedHashMap<>())
                .withOwnerReferences(ownerReference(fleet))
                .build();
    }

    /** Whether {@code object} is controlled by {@code fleet} (not just labelled with its name). */
    public static boolean isOwnedBy(HasMetadata object, ServerFleet fleet) {
        return object.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Boolean.TRUE.equals(o.getController())
                        && fleet.getMetadata().getUid().equals(o.getUid()));
    }
}
