package dev.ferry.operator.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Installs the checked-in CRD (crds/, what users install) once per test JVM; CrdDriftIT ties it to the Java model. */
public final class ServerFleetCrd {

    public static final String NAME = "serverfleets.ferry.dev";
    private static boolean installed;

    private ServerFleetCrd() {}

    public static Path checkedInFile() {
        return repoRoot().resolve("crds").resolve(NAME + "-v1.yml");
    }

    public static Path repoRoot() {
        return Path.of(System.getProperty("ferry.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
    }

    public static synchronized void install(KubernetesClient admin) {
        if (installed) {
            return;
        }
        CustomResourceDefinition crd;
        try (InputStream in = Files.newInputStream(checkedInFile())) {
            crd = admin.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .load(in)
                    .item();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        admin.apiextensions()
                .v1()
                .customResourceDefinitions()
                .resource(crd)
                .forceConflicts()
                .serverSideApply();
        await("CRD " + NAME + " established").atMost(Duration.ofSeconds(60)).until(() -> {
            CustomResourceDefinition c = admin.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(NAME)
                    .get();
            return c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null // not set yet right after the apply
                    && c.getStatus().getConditions().stream()
                            .anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus()));
        });
        installed = true;
    }
}
