package dev.ferry.operator.cluster;

import dev.ferry.controlplane.TestNamespace;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Grants the operator's ClusterRole from {@code deploy/rbac.yaml}
 * (as written, nothing added) to a ServiceAccount of a test namespace.
 */
public final class OperatorRbac {

    public static final String SERVICE_ACCOUNT = "ferry-operator";

    private OperatorRbac() {}

    public static Path file() {
        return ServerFleetCrd.repoRoot().resolve("deploy/rbac.yaml");
    }

    /**
     * The Roles and RoleBindings of rbac.yaml (written for ferry-system: leader election, the webhook's
     * Secret), moved into the test namespace: the lease and the Secret live next to the operator.
     */
    public static void grantLeaderElection(KubernetesClient admin, String namespace) {
        try (InputStream in = Files.newInputStream(file())) {
            grantLeaderElection(admin, admin.load(in).items(), namespace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void grantLeaderElection(KubernetesClient admin, List<HasMetadata> objects, String namespace) {
        List<Role> roles = objects.stream()
                .filter(Role.class::isInstance)
                .map(Role.class::cast)
                .toList();
        for (Role role : roles) {
            admin.resource(new RoleBuilder(role)
                            .editMetadata()
                            .withNamespace(namespace)
                            .endMetadata()
                            .build())
                    .forceConflicts()
                    .serverSideApply();
        }
        List<RoleBinding> bindings = objects.stream()
                .filter(RoleBinding.class::isInstance)
                .map(RoleBinding.class::cast)
                .toList();
        for (RoleBinding template : bindings) {
            bind(admin, template, namespace);
        }
    }

    private static void bind(KubernetesClient admin, RoleBinding template, String namespace) {
        admin.resource(new RoleBindingBuilder(template)
                        .editMetadata()
                        .withNamespace(namespace)
                        .endMetadata()
                        .withSubjects(new SubjectBuilder()
                                .withKind("ServiceAccount")
                                .withName(SERVICE_ACCOUNT)
                                .withNamespace(namespace)
                                .build())
                        .build())
                .forceConflicts()
                .serverSideApply();
    }

    /** Binds the operator's ClusterRole (and its leader-election Role, in {@code ns}) to {@value #SERVICE_ACCOUNT} in {@code ns}; returns that SA's client. */
    public static KubernetesClient grant(TestNamespace ns) {
        KubernetesClient admin = ns.client();
        List<HasMetadata> objects;
        try (InputStream in = Files.newInputStream(file())) {
            objects = admin.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClusterRole role = objects.stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .findFirst()
                .orElseThrow();
        admin.resource(role).forceConflicts().serverSideApply();
        ClusterRoleBinding template = objects.stream()
                .filter(ClusterRoleBinding.class::isInstance)
                .map(ClusterRoleBinding.class::cast)
                .findFirst()
                .orElseThrow();
        // Same role reference; the subject is this namespace's ServiceAccount, the name unique per namespace.
        ClusterRoleBinding binding = new ClusterRoleBindingBuilder(template)
                .editMetadata()
                .withName(template.getMetadata().getName() + "-" + ns.name())
                .endMetadata()
                .withSubjects(new SubjectBuilder()
                        .withKind("ServiceAccount")
                        .withName(SERVICE_ACCOUNT)
                        .withNamespace(ns.name())
                        .build())
                .build();
        admin.resource(binding).forceConflicts().serverSideApply();
        grantLeaderElection(admin, objects, ns.name());
        return ns.clientForServiceAccount(SERVICE_ACCOUNT);
    }
}
