package dev.ferry.operator.cluster;

import dev.ferry.operator.model.ContextStoreSpec;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ServerFleets for tests: typed valid ones, and raw maps for what the Java model cannot express. */
public final class Fleets {

    public static final String IMAGE = "ferry.invalid/ferry-server:test";
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("ferry.dev")
            .withVersion("v1alpha1")
            .withKind("ServerFleet")
            .withPlural("serverfleets")
            .withNamespaced(true)
            .build();

    private Fleets() {}

    public static ServerFleet valid(String name, int replicas) {
        ServerFleet fleet = new ServerFleet();
        fleet.getMetadata().setName(name);
        ServerFleetSpec spec = new ServerFleetSpec();
        spec.setReplicas(replicas);
        spec.setTemplate(new PodTemplateSpecBuilder()
                .withNewMetadata()
                .addToLabels("app", "ferry-test")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("server")
                .withImage(IMAGE)
                .addNewEnv()
                .withName("FERRY_MAX_SESSIONS")
                .withValue("5000")
                .endEnv()
                .endContainer()
                .endSpec()
                .build());
        ContextStoreSpec store = new ContextStoreSpec();
        store.setUri("redis://redis:6379");
        spec.setContextStore(store);
        fleet.setSpec(spec);
        return fleet;
    }

    /** A minimal valid spec as plain maps; tests change one field to make it invalid. */
    public static Map<String, Object> rawSpec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("replicas", 2);
        spec.put("template", Map.of("spec", Map.of("containers", List.of(Map.of("name", "server", "image", IMAGE)))));
        spec.put("contextStore", new LinkedHashMap<>(Map.of("uri", "redis://redis:6379")));
        return spec;
    }

    public static GenericKubernetesResource raw(String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("ferry.dev/v1alpha1")
                .withKind("ServerFleet")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToAdditionalProperties("spec", spec)
                .build();
    }
}
