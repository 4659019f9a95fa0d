package dev.ferry.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** kube-controller-manager runs: its garbage collector follows owner references. */
@WithControlPlane(controllerManager = true)
class GarbageCollectionTest {

    private static final Duration GC_TIMEOUT = Duration.ofSeconds(90);

    @Test
    void deletingTheOwnerDeletesOwnedConfigMapAndPod(KubernetesClient client) {
        ConfigMap owner = client.configMaps().resource(configMap("owner", null)).create();
        ConfigMap child =
                client.configMaps().resource(configMap("child", ownedBy(owner))).create();
        Pod pod = client.pods().resource(pod("owned-pod", ownedBy(owner))).create();
        ConfigMap bystander =
                client.configMaps().resource(configMap("bystander", null)).create();

        client.configMaps().withName("owner").delete();

        await("GC deletes what the owner owned").atMost(GC_TIMEOUT).untilAsserted(() -> {
            assertThat(client.configMaps()
                            .withName(child.getMetadata().getName())
                            .get())
                    .isNull();
            assertThat(client.pods().withName(pod.getMetadata().getName()).get())
                    .isNull();
        });
        assertThat(client.configMaps()
                        .withName(bystander.getMetadata().getName())
                        .get())
                .isNotNull();
    }

    @Test
    void anObjectWithALiveOwnerSurvivesUntilTheOwnerGoes(KubernetesClient client) {
        ConfigMap owner =
                client.configMaps().resource(configMap("owner2", null)).create();
        ConfigMap first =
                client.configMaps().resource(configMap("first", ownedBy(owner))).create();
        ConfigMap second =
                client.configMaps().resource(configMap("second", null)).create();
        // second gets the owner later: the GC must notice the owner reference added by a patch.
        client.configMaps()
                .withName("second")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"ownerReferences\":[" + ownerJson(owner) + "]}}");

        client.configMaps().withName("owner2").delete();

        await("GC deletes both dependents")
                .atMost(GC_TIMEOUT)
                .until(() -> client.configMaps()
                                        .withName(first.getMetadata().getName())
                                        .get()
                                == null
                        && client.configMaps()
                                        .withName(second.getMetadata().getName())
                                        .get()
                                == null);
    }

    @Test
    void serviceAccountControllerCreatesDefaultServiceAccount(KubernetesClient client) {
        await("default ServiceAccount")
                .atMost(GC_TIMEOUT)
                .until(() -> client.serviceAccounts().withName("default").get(), (ServiceAccount sa) -> sa != null);
    }

    private static OwnerReference ownedBy(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .build();
    }

    private static String ownerJson(HasMetadata owner) {
        return String.format(
                "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\",\"uid\":\"%s\"}",
                owner.getApiVersion(),
                owner.getKind(),
                owner.getMetadata().getName(),
                owner.getMetadata().getUid());
    }

    private static ConfigMap configMap(String name, OwnerReference owner) {
        ConfigMapBuilder b = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToData("k", "v");
        if (owner != null) {
            b.editMetadata().addToOwnerReferences(owner).endMetadata();
        }
        return b.build();
    }

    private static Pod pod(String name, OwnerReference owner) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .addToOwnerReferences(owner)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("ferry.invalid/never-pulled:1")
                .endContainer()
                .endSpec()
                .build();
    }
}
