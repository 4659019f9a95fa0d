package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spec.tls.mode: Generated} on real Secret volumes: a user asks for a fresh certificate by setting the fleet's
 * {@code ferry.dev/renew-certificate} annotation; the operator issues a new one under the same fleet CA into the
 * serving Secret {@code <fleet>-tls}, in place; the kubelet swaps the files of the running pods' Secret volume; and the
 * server, re-reading them when a connection arrives, serves the new certificate to new connections. No pod is replaced
 * or restarted, and a session opened before keeps working.
 */
class FleetTlsRenewalIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(FleetTlsRenewalIT.class);
    private static final String FLEET = "renewal";
    private static final int PODS = 2;
    /** The CRD's default spec.clientPort, which the manifest leaves alone: TLS only when tls.mode is set. */
    private static final int CLIENT_PORT = 7000;
    /** The fleet annotation that asks for a new serving certificate (FleetTlsSecrets.RENEW_ANNOTATION). */
    private static final String RENEW = "ferry.dev/renew-certificate";
    /**
     * An annotation does not change the fleet's generation, so the operator sees it at its next periodic
     * reconciliation (every 15 s when nothing moves); room on top for a loaded machine.
     */
    private static final Duration OPERATOR_REISSUE = Duration.ofMinutes(2);
    /** The kubelet's next sync of the Secret volume (syncFrequency 10 s, plus its cache), then the server's 10 s re-read. */
    private static final Duration POD_PICKUP = Duration.ofMinutes(3);

    @Test
    void aReissuedCertificateReachesTheRunningPodsThroughTheirSecretVolume() throws Exception {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(
                cluster,
                namespace,
                fleetManifest(FLEET, PODS, SERVER_IMAGE, "Pod", 30, "  tls:\n    mode: Generated\n"));
        fleet.awaitSettled(PODS, SETTLE);
        fleet.awaitServiceRoutes(PODS, Duration.ofMinutes(1));
        String fleetName = FLEET + "." + namespace + ".svc"; // what a generated certificate names first

        String caPem = FleetTlsFiles.text(secret(cluster, FLEET + "-ca"), "ca.crt");
        X509Certificate ca = FleetTlsFiles.certificate(caPem);
        X509Certificate issued =
                FleetTlsFiles.certificate(FleetTlsFiles.text(secret(cluster, FLEET + "-tls"), "tls.crt"));
        List<Pod> before = fleet.pods();
        assertThat(before).hasSize(PODS);
        for (Pod pod : before) {
            X509Certificate served = served(ca, pod);
            assertThat(served.getSerialNumber())
                    .as("serial served by %s", name(pod))
                    .isEqualTo(issued.getSerialNumber());
            assertThat(served.getSubjectAlternativeNames())
                    .as("names in the certificate of %s", name(pod))
                    .anySatisfy(san -> assertThat(san.get(1)).isEqualTo(fleetName));
        }
        log.info(
                "pods {} serve certificate {} of {}, valid until {}",
                nodes(before),
                hex(issued.getSerialNumber()),
                ca.getSubjectX500Principal(),
                issued.getNotAfter());

        Path caFile = Files.createTempFile("ferry-fleet-ca", ".pem");
        Files.writeString(caFile, caPem);
        // Clients are sent to pod IPs (advertise: Pod), which no certificate names: they check the fleet's name
        // instead.
        ClientOptions options = ClientOptions.builder()
                .serviceAddress(fleet.serviceAddress())
                .clientName("ferry-node-tls")
                .tls(ClientTlsOptions.builder()
                        .trustCaPem(caFile)
                        .serverName(fleetName)
                        .build())
                .connectTimeout(Duration.ofSeconds(10))
                .commandTimeout(Duration.ofSeconds(60))
                .build();
        try (FerryClient client = FerryClient.create(options);
                FerrySession early = client.connect()) {
            assertThat(early.execute("INCR n").firstText()).isEqualTo("1");

            // The renewal a user can ask for: a new value of the fleet's annotation. The Secret is updated in place,
            // never missing, so the kubelet's next sync of the volume brings the new files.
            long requestedAt = System.nanoTime();
            cluster.kubectl().run("annotate", "-n", namespace, "serverfleet/" + FLEET, "--overwrite", RENEW + "=first");
            log.info(
                    "annotated {}/{} {}=first; waiting for the operator to issue the certificate again",
                    namespace,
                    FLEET,
                    RENEW);
            X509Certificate[] reissued = new X509Certificate[1];
            NodeCluster.await(
                    "the operator issuing Secret " + namespace + "/" + FLEET + "-tls again", OPERATOR_REISSUE, () -> {
                        Secret s = cluster.client()
                                .secrets()
                                .inNamespace(namespace)
                                .withName(FLEET + "-tls")
                                .get();
                        if (s == null
                                || !"first"
                                        .equals(s.getMetadata().getAnnotations().get(RENEW))) return false;
                        reissued[0] = FleetTlsFiles.certificate(FleetTlsFiles.text(s, "tls.crt"));
                        return true;
                    });
            long reissuedAt = System.nanoTime();
            X509Certificate renewed = reissued[0];
            renewed.verify(ca.getPublicKey()); // under the same CA: clients that trust it need nothing new
            assertThat(renewed.getSerialNumber()).isNotEqualTo(issued.getSerialNumber());
            assertThat(FleetTlsFiles.text(secret(cluster, FLEET + "-tls"), "ca.crt"))
                    .isEqualTo(caPem);
            assertThat(FleetTlsFiles.text(secret(cluster, FLEET + "-ca"), "ca.crt"))
                    .as("the fleet CA is kept")
                    .isEqualTo(caPem);
            log.info(
                    "the operator issued certificate {} after {} s",
                    hex(renewed.getSerialNumber()),
                    seconds(reissuedAt - requestedAt));

            // Every probe is a new connection: the server looks at its files again when one arrives.
            Map<String, Long> servedAt = new TreeMap<>();
            Map<String, BigInteger> servedSerial = new TreeMap<>();
            NodeCluster.await(
                    "every pod serving a certificate other than " + hex(issued.getSerialNumber()), POD_PICKUP, () -> {
                        for (Pod pod : before) {
                            if (servedAt.containsKey(name(pod))) continue;
                            BigInteger serial = served(ca, pod).getSerialNumber();
                            if (!serial.equals(issued.getSerialNumber())) {
                                servedAt.put(name(pod), System.nanoTime());
                                servedSerial.put(name(pod), serial);
                            }
                        }
                        return servedAt.size() == before.size();
                    });
            servedAt.forEach((pod, at) -> log.info(
                    "{} serves the renewed certificate {} s after the annotation was set, {} s after it"
                            + " was issued again",
                    pod,
                    seconds(at - requestedAt),
                    seconds(at - reissuedAt)));
            assertThat(cluster.client()
                            .v1()
                            .events()
                            .inNamespace(namespace)
                            .list()
                            .getItems())
                    .as("the Secret was never missing, so no mount failed")
                    .noneMatch(e -> "FailedMount".equals(e.getReason()));

            assertThat(servedSerial.values()).as("what the pods serve now").containsOnly(renewed.getSerialNumber());
            List<Pod> after = fleet.pods();
            assertThat(uids(after)).as("the same pods, by name and uid").isEqualTo(uids(before));
            assertThat(after)
                    .allSatisfy(p -> assertThat(p.getStatus().getContainerStatuses())
                            .extracting(ContainerStatus::getRestartCount)
                            .as("restarts in %s", name(p))
                            .containsOnly(0));
            fleet.awaitSettled(PODS, Duration.ofMinutes(1));

            // The session opened under the old certificate keeps its connection; a new one trusts the same CA.
            assertThat(early.execute("INCR n").firstText()).isEqualTo("2");
            assertThat(early.migrations()).isZero();
            try (FerrySession late = client.connect()) {
                assertThat(late.execute("SET k renewed").firstText()).isEqualTo("OK");
                assertThat(late.execute("GET k").firstText()).isEqualTo("renewed");
            }
        } finally {
            Files.deleteIfExists(caFile);
        }
    }

    private static X509Certificate served(X509Certificate ca, Pod pod) {
        return FleetTlsFiles.served(ca, pod.getStatus().getPodIP(), CLIENT_PORT);
    }

    private Secret secret(NodeCluster cluster, String name) {
        Secret s =
                cluster.client().secrets().inNamespace(namespace).withName(name).get();
        if (s == null) throw new IllegalStateException("Secret " + namespace + "/" + name + " does not exist");
        return s;
    }

    private static Map<String, String> uids(List<Pod> pods) {
        return pods.stream()
                .collect(Collectors.toMap(
                        FleetTlsRenewalIT::name, p -> p.getMetadata().getUid(), (a, b) -> a, TreeMap::new));
    }

    /** Pod name → node, for the log: each node's kubelet updates its own pods' volumes. */
    private static Map<String, String> nodes(List<Pod> pods) {
        return pods.stream()
                .collect(Collectors.toMap(
                        FleetTlsRenewalIT::name, p -> p.getSpec().getNodeName(), (a, b) -> a, TreeMap::new));
    }

    private static String name(Pod pod) {
        return pod.getMetadata().getName();
    }

    private static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }
}
