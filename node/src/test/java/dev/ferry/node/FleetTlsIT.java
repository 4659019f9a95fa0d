package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spec.tls}: a Generated fleet gets its own CA and a serving certificate in Secrets, speaks only TLS on its
 * client port, drains TLS clients like any others, and keeps its CA and certificate across an operator restart; a
 * Provided fleet whose Secret does not exist yet says so in ReconcileError and starts once the user creates it.
 */
class FleetTlsIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(FleetTlsIT.class);
    private static final int SESSIONS = 45;
    private Path dir;

    @BeforeAll
    void tempDir() throws Exception {
        dir = Files.createTempDirectory("ferry-fleet-tls");
    }

    @AfterAll
    void removeTempDir() throws Exception {
        if (dir == null) return;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }

    @Test
    void aGeneratedCaFleetServesTlsDrainsTlsClientsAndKeepsItsCertificateAcrossAnOperatorRestart() throws Exception {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(
                cluster,
                namespace,
                fleetManifest("gen", 3, SERVER_IMAGE, "Pod", 30, 600, "  tls:\n    mode: Generated\n"));
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));
        String fleetName = "gen." + namespace + ".svc";

        Secret serving = secret("gen-tls");
        assertThat(serving.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(serving.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
        String caPem = FleetTlsFiles.text(secret("gen-ca"), "ca.crt");
        assertThat(FleetTlsFiles.text(serving, "ca.crt")).contains(caPem);
        String servingPem = FleetTlsFiles.text(serving, "tls.crt");
        X509Certificate issued = FleetTlsFiles.certificate(servingPem);
        assertThat(issued.getSubjectAlternativeNames().stream()
                        .map(san -> String.valueOf(san.get(1)))
                        .toList())
                .contains(fleetName, "gen-admin." + namespace + ".svc");
        assertThat(fleet.events("FleetCaCreated")).hasSize(1);
        assertThat(fleet.events("CertificateIssued")).hasSize(1);

        try (FerryClient plain = FerryClient.create(ClientOptions.builder()
                .serviceAddress(fleet.serviceAddress())
                .connectTimeout(Duration.ofSeconds(5))
                .resumeAttempts(1)
                .build())) {
            assertThatThrownBy(plain::connect)
                    .as("the client port speaks TLS only")
                    .isInstanceOf(dev.ferry.client.ConnectFailedException.class);
        }

        // Clients trust ca.crt and check the fleet's name: they are sent to pod IPs, which the certificate does not
        // name.
        Path caFile = Files.writeString(dir.resolve("ca.crt"), caPem);
        ClientTlsOptions tls = ClientTlsOptions.builder()
                .trustCaPem(caFile)
                .serverName(fleetName)
                .build();
        try (CheckedSessions load =
                CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20), tls)) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            // The operator reads each pod's session count over HTTPS: a failed admin call would leave it unknown.
            NodeCluster.await(
                    "session counts from the admin API over HTTPS",
                    Duration.ofMinutes(1),
                    () -> fleet.status().sessionCount() >= SESSIONS);
            Set<String> podsBefore = names(fleet.pods());
            var before = load.sessionsByPod();

            fleet.scale(2);
            fleet.awaitSettled(2, SETTLE);
            load.awaitRounds(load.roundsDone() + 3, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("TLS fleet (generated CA), scale 3 -> 2: {}", summary);

            Set<String> removed = podsBefore.stream()
                    .filter(p -> !names(fleet.pods()).contains(p))
                    .collect(Collectors.toSet());
            assertThat(removed).hasSize(1);
            assertNothingFailed(summary);
            assertThat(summary.sessionsByMoves().getOrDefault(1, 0L))
                    .isEqualTo(before.getOrDefault(removed.iterator().next(), 0L));
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);
        }

        // A restarted operator remembers nothing: it finds the CA and the certificate in their Secrets and keeps them,
        // so new pods serve the same certificate and clients that trust the CA they were given still connect.
        cluster.kubectl()
                .run("rollout", "restart", "deployment/" + NodeCluster.OPERATOR, "-n", NodeCluster.FERRY_NAMESPACE);
        cluster.kubectl()
                .run(
                        "rollout",
                        "status",
                        "deployment/" + NodeCluster.OPERATOR,
                        "-n",
                        NodeCluster.FERRY_NAMESPACE,
                        "--timeout=" + SETTLE.toSeconds() + "s");
        fleet.scale(3);
        fleet.awaitSettled(3, SETTLE);
        assertThat(FleetTlsFiles.text(secret("gen-ca"), "ca.crt")).isEqualTo(caPem);
        assertThat(FleetTlsFiles.text(secret("gen-tls"), "tls.crt")).isEqualTo(servingPem);
        assertThat(fleet.events("FleetCaCreated")).hasSize(1);
        assertThat(fleet.events("CertificateIssued")).hasSize(1);
        X509Certificate ca = FleetTlsFiles.certificate(caPem);
        for (Pod pod : fleet.pods()) {
            assertThat(FleetTlsFiles.served(ca, pod.getStatus().getPodIP(), Fleet.CLIENT_PORT)
                            .getSerialNumber())
                    .as("certificate served by %s", pod.getMetadata().getName())
                    .isEqualTo(issued.getSerialNumber());
        }
    }

    @Test
    void aMissingProvidedSecretIsReportedAndTheFleetStartsOnceItExists() {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(
                cluster,
                namespace,
                fleetManifest(
                        "own",
                        1,
                        SERVER_IMAGE,
                        "Pod",
                        30,
                        600,
                        "  tls:\n    mode: Provided\n    secretName: own-cert\n"));
        String expected =
                "tls.secretName: Secret " + namespace + "/own-cert does not exist; create a kubernetes.io/tls Secret";
        NodeCluster.await(
                "ReconcileError naming the missing Secret",
                Duration.ofMinutes(1),
                () -> fleet.status()
                        .conditionOf("ReconcileError")
                        .map(c -> "True".equals(c.status()) && c.message().contains(expected))
                        .orElse(false));
        assertThat(fleet.pods()).as("no pod without its certificate").isEmpty();

        // What a user does: a CA and a certificate for the fleet's name from openssl, into a kubernetes.io/tls Secret.
        String name = "own." + namespace + ".svc";
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=own test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt");
        openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=" + name,
                "-keyout",
                "tls.key",
                "-out",
                "tls.csr");
        openssl(
                "x509",
                "-req",
                "-in",
                "tls.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                write("san.ext", "subjectAltName=DNS:" + name + "\n").toString(),
                "-out",
                "tls.crt");
        cluster.kubectl()
                .run(
                        "create",
                        "secret",
                        "generic",
                        "own-cert",
                        "-n",
                        namespace,
                        "--type=kubernetes.io/tls",
                        "--from-file=tls.crt=" + dir.resolve("tls.crt"),
                        "--from-file=tls.key=" + dir.resolve("tls.key"),
                        "--from-file=ca.crt=" + dir.resolve("ca.crt"));

        fleet.awaitSettled(1, SETTLE);
        assertThat(cluster.client()
                        .secrets()
                        .inNamespace(namespace)
                        .withName("own-ca")
                        .get())
                .as("no CA generated for a Provided fleet")
                .isNull();
        X509Certificate served = FleetTlsFiles.served(
                FleetTlsFiles.certificate(read("ca.crt")),
                fleet.pods().get(0).getStatus().getPodIP(),
                Fleet.CLIENT_PORT);
        assertThat(served).isEqualTo(FleetTlsFiles.certificate(read("tls.crt")));
    }

    private void openssl(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(1, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Path write(String file, String text) {
        try {
            return Files.writeString(dir.resolve(file), text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Secret secret(String name) {
        Secret s = cluster()
                .client()
                .secrets()
                .inNamespace(namespace)
                .withName(name)
                .get();
        if (s == null) throw new IllegalStateException("Secret " + namespace + "/" + name + " does not exist");
        return s;
    }

    private static Set<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    }
}
