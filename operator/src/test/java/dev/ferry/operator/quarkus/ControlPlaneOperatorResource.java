package dev.ferry.operator.quarkus;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.operator.cluster.OperatorRbac;
import dev.ferry.operator.cluster.ServerFleetCrd;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Boots the Quarkus operator against the real API server, as it is deployed: under the operator's
 * ServiceAccount with only deploy/rbac.yaml's rights, watching one namespace made for the test.
 *
 * <p>The Quarkus app has its own copy of the harness (its class loader), so this starts an API server
 * of its own, writing the shared admin.kubeconfig: the Quarkus tests run first (junit-platform.properties).
 */
public class ControlPlaneOperatorResource implements QuarkusTestResourceLifecycleManager {

    /** The namespace the Quarkus operator watches; the test reads it from here. */
    public static volatile String namespace;

    @Override
    public Map<String, String> start() {
        ControlPlane cp = ControlPlane.get();
        KubernetesClient admin = cp.adminClient();
        ServerFleetCrd.install(admin);
        namespace = "quarkus-operator-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 24), 36);
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .endMetadata()
                        .build())
                .create();
        admin.serviceAccounts()
                .inNamespace(namespace)
                .resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(OperatorRbac.SERVICE_ACCOUNT)
                        .endMetadata()
                        .build())
                .create();
        List<HasMetadata> rbac;
        try (InputStream in = Files.newInputStream(OperatorRbac.file())) {
            rbac = admin.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClusterRole role = rbac.stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .findFirst()
                .orElseThrow();
        admin.resource(role).forceConflicts().serverSideApply();
        admin.resource(new ClusterRoleBindingBuilder()
                        .withNewMetadata()
                        .withName("ferry-operator-" + namespace)
                        .endMetadata()
                        .withNewRoleRef(
                                "rbac.authorization.k8s.io",
                                "ClusterRole",
                                role.getMetadata().getName())
                        .withSubjects(new SubjectBuilder()
                                .withKind("ServiceAccount")
                                .withName(OperatorRbac.SERVICE_ACCOUNT)
                                .withNamespace(namespace)
                                .build())
                        .build())
                .forceConflicts()
                .serverSideApply();
        // Leader election (active only where a test profile turns it on): the lease next to the operator.
        OperatorRbac.grantLeaderElection(admin, namespace);
        String token = cp.serviceAccountToken(namespace, OperatorRbac.SERVICE_ACCOUNT, Duration.ofHours(1));
        Map<String, String> config =
                new java.util.LinkedHashMap<>(ControlPlane.quarkusClientProperties(cp.tokenConfig(namespace, token)));
        config.put("quarkus.operator-sdk.controllers.serverfleet.namespaces", namespace);
        config.put("ferry.leader-election.lease-namespace", namespace);
        return config;
    }

    @Override
    public void stop() {
        if (namespace != null && ControlPlane.isRunning()) {
            KubernetesClient admin = ControlPlane.get().adminClient();
            admin.rbac()
                    .clusterRoleBindings()
                    .withName("ferry-operator-" + namespace)
                    .delete();
            admin.namespaces().withName(namespace).delete();
        }
    }
}
