package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.model.Advertise;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.model.TlsSpec;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.tls.FleetCertificates;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against a real API server, running under the operator's ServiceAccount with only
 * the RBAC of deploy/rbac.yaml: so every call it makes is one that RBAC allows. Pods stay Pending
 * (no kubelet here), which phase 1 is fine with.
 */
@WithControlPlane
class ServerFleetReconcilerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static FleetOperator operator;

    @BeforeAll
    static void startOperator(TestNamespace ns) {
        ServerFleetCrd.install(ns.client());
        operator = FleetOperator.start(OperatorRbac.grant(ns), ns.name());
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void aFleetGetsItsTokenSecretServicesAndPods(KubernetesClient client, TestNamespace ns) {
        ServerFleet fleet = client.resource(Fleets.valid("alpha", 3)).create();

        List<Pod> pods = awaitPods(client, "alpha", 3);
        ServerFleetStatus status = awaitStatus(client, "alpha", s -> s.getPods().size() == 3);

        Secret secret = client.secrets().withName("alpha-admin-token").get();
        assertThat(AdminTokenSecret.token(secret)).get().asString().hasSize(43);
        assertOwnedBy(secret.getMetadata().getOwnerReferences().get(0), fleet);

        Service clientService = client.services().withName("alpha").get();
        assertThat(clientService.getSpec().getSelector())
                .isEqualTo(Map.of("ferry.dev/fleet", "alpha", "ferry.dev/serving", "true"));
        assertThat(clientService.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(7000);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("client");
        });
        assertOwnedBy(clientService.getMetadata().getOwnerReferences().get(0), fleet);

        Service adminService = client.services().withName("alpha-admin").get();
        assertThat(adminService.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(adminService.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(adminService.getSpec().getSelector()).isEqualTo(Map.of("ferry.dev/fleet", "alpha"));
        assertThat(adminService.getSpec().getPorts().get(0).getPort()).isEqualTo(7001);

        for (Pod pod : pods) {
            assertThat(pod.getMetadata().getName()).matches("alpha-[bcdfghjklmnpqrstvwxz2456789]{5}");
            assertThat(pod.getMetadata().getLabels())
                    .containsEntry("ferry.dev/fleet", "alpha")
                    .containsEntry("ferry.dev/serving", "true")
                    .containsEntry("ferry.dev/revision", status.getUpdateRevision())
                    .containsEntry("app", "ferry-test");
            assertOwnedBy(pod.getMetadata().getOwnerReferences().get(0), fleet);
            Container server = pod.getSpec().getContainers().get(0);
            assertThat(server.getImage()).isEqualTo(Fleets.IMAGE);
            assertThat(env(server, "POD_IP").getValueFrom().getFieldRef().getFieldPath())
                    .isEqualTo("status.podIP");
            assertThat(env(server, "FERRY_SERVER_NAME")
                            .getValueFrom()
                            .getFieldRef()
                            .getFieldPath())
                    .isEqualTo("metadata.name");
            assertThat(env(server, "FERRY_BIND").getValue()).isEqualTo("0.0.0.0");
            assertThat(env(server, "FERRY_ADVERTISED_ADDRESS").getValue()).isEqualTo("$(POD_IP):7000");
            assertThat(env(server, "FERRY_PORT").getValue()).isEqualTo("7000");
            assertThat(env(server, "FERRY_ADMIN_PORT").getValue()).isEqualTo("7001");
            assertThat(env(server, "FERRY_STORE_URI").getValue()).isEqualTo("redis://redis:6379");
            assertThat(env(server, "FERRY_IDLE_MIGRATION_TIMER").getValue()).isEqualTo("60");
            assertThat(env(server, "FERRY_SESSION_IDLE_TIMER").getValue()).isEqualTo("600");
            assertThat(env(server, "FERRY_DRAIN_RATE").getValue()).isEqualTo("1000");
            assertThat(env(server, "FERRY_ADMIN_TOKEN")
                            .getValueFrom()
                            .getSecretKeyRef()
                            .getName())
                    .isEqualTo("alpha-admin-token");
            assertThat(env(server, "FERRY_ADMIN_TOKEN")
                            .getValueFrom()
                            .getSecretKeyRef()
                            .getKey())
                    .isEqualTo("token");
            assertThat(env(server, "FERRY_MAX_SESSIONS").getValue())
                    .as("the template's own env is kept")
                    .isEqualTo("5000");
            assertThat(server.getPorts())
                    .extracting(p -> p.getName() + ":" + p.getContainerPort())
                    .contains("client:7000", "admin:7001");
            assertThat(server.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
            assertThat(server.getReadinessProbe().getHttpGet().getPort().getStrVal())
                    .isEqualTo("admin");
            assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(90L);
        }

        long generation = client.resources(ServerFleet.class)
                .withName("alpha")
                .get()
                .getMetadata()
                .getGeneration();
        assertThat(status.getObservedGeneration()).isEqualTo(generation);
        assertThat(status.getSelector()).isEqualTo("ferry.dev/fleet=alpha");
        assertThat(status.getReplicas()).isEqualTo(3);
        assertThat(status.getReadyReplicas()).isZero();
        assertThat(status.getUpdatedReplicas()).isEqualTo(3);
        assertThat(status.getCurrentRevision())
                .isEqualTo(status.getUpdateRevision())
                .matches("[0-9a-f]{10}");
        assertThat(status.getSessions()).isZero();
        assertThat(status.getPods()).extracting(p -> p.getPhase()).containsOnly(FleetPodPhase.Starting);
        assertThat(status.getConditions())
                .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(generation));
        assertCondition(status, "Available", "False", "MinimumReplicasUnavailable");
        assertCondition(status, "Progressing", "True", "WaitingForPods");
        assertCondition(status, "Draining", "False", "NoDrain");
        assertCondition(status, "MigrationDisabled", "False", "TimersSet");
        assertCondition(status, "ReconcileError", "False", "ReconcileSucceeded");
        assertCondition(status, "Ready", "False", "WaitingForPods");
        assertCondition(status, "Reconciling", "True", "WaitingForPods");
        assertCondition(status, "Stalled", "False", "MakingProgress");
        assertThat(condition(status, "Available").getMessage())
                .isEqualTo("0 of 3 pods are ready and serving; at least 3 are needed.");

        await("events for alpha")
                .atMost(WAIT)
                .untilAsserted(() -> assertThat(eventReasons(client, "alpha"))
                        .contains("AdminTokenCreated", "ServiceCreated", "PodCreated")
                        .filteredOn("PodCreated"::equals)
                        .hasSize(3));
    }

    @Test
    void theScaleSubresourceRaisesThePodCount(KubernetesClient client) {
        client.resource(Fleets.valid("beta", 1)).create();
        awaitPods(client, "beta", 1);

        client.resources(ServerFleet.class).withName("beta").scale(3);

        awaitPods(client, "beta", 3);
        ServerFleetStatus status = awaitStatus(client, "beta", s -> s.getReplicas() != null && s.getReplicas() == 3);
        assertThat(status.getObservedGeneration()).isEqualTo(2L);
        Scale scale = client.resources(ServerFleet.class).withName("beta").scale();
        assertThat(scale.getSpec().getReplicas()).isEqualTo(3);
        assertThat(scale.getStatus().getReplicas()).isEqualTo(3);
        assertThat(scale.getStatus().getSelector()).isEqualTo("ferry.dev/fleet=beta");
    }

    @Test
    void aDeletedPodIsReplacedAndTheTokenIsKept(KubernetesClient client) {
        client.resource(Fleets.valid("gamma", 2)).create();
        List<Pod> before = awaitPods(client, "gamma", 2);
        String token = AdminTokenSecret.token(
                        client.secrets().withName("gamma-admin-token").get())
                .orElseThrow();

        client.resource(before.get(0)).withGracePeriod(0).delete();

        await("a replacement pod").atMost(WAIT).until(() -> {
            List<String> names = pods(client, "gamma").stream()
                    .map(p -> p.getMetadata().getName())
                    .toList();
            return names.size() == 2
                    && !names.contains(before.get(0).getMetadata().getName());
        });
        assertThat(AdminTokenSecret.token(
                        client.secrets().withName("gamma-admin-token").get()))
                .contains(token);
    }

    @Test
    void bothTimersZeroReportMigrationDisabledAndServiceAdvertising(KubernetesClient client, TestNamespace ns) {
        ServerFleet fleet = Fleets.valid("delta", 1);
        fleet.getSpec().setIdleMigrationTimerSeconds(0);
        fleet.getSpec().setSessionIdleTimerSeconds(0);
        fleet.getSpec().setAdvertise(Advertise.Service);
        client.resource(fleet).create();

        Pod pod = awaitPods(client, "delta", 1).get(0);
        ServerFleetStatus status = awaitStatus(client, "delta", s -> s.getPods().size() == 1);

        assertCondition(status, "MigrationDisabled", "True", "BothTimersZero");
        assertThat(env(pod.getSpec().getContainers().get(0), "FERRY_ADVERTISED_ADDRESS")
                        .getValue())
                .isEqualTo("delta." + ns.name() + ".svc:7000");
        assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
    }

    @Test
    void aClientServiceChangedBySomeoneElseIsRestored(KubernetesClient client) {
        client.resource(Fleets.valid("zeta", 1)).create();
        await("client Service of zeta")
                .atMost(WAIT)
                .until(() -> client.services().withName("zeta").get() != null);

        // Without the serving label in its selector the Service would send clients to draining pods.
        client.services().withName("zeta").edit(s -> {
            s.getSpec().setSelector(Map.of("ferry.dev/fleet", "zeta"));
            return s;
        });

        await("selector restored")
                .atMost(WAIT)
                .untilAsserted(() -> assertThat(client.services()
                                .withName("zeta")
                                .get()
                                .getSpec()
                                .getSelector())
                        .isEqualTo(Map.of("ferry.dev/fleet", "zeta", "ferry.dev/serving", "true")));
    }

    @Test
    void anUnchangedFleetIsNotRewritten(KubernetesClient client) {
        client.resource(Fleets.valid("epsilon", 1)).create();
        Pod pod = awaitPods(client, "epsilon", 1).get(0);
        awaitStatus(client, "epsilon", s -> s.getPods().size() == 1);
        // Settled: the fleet's resourceVersion is the same on two polls in a row.
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
        await("the fleet settles")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(700))
                .until(() -> {
                    String now = fleetVersion(client, "epsilon");
                    return now.equals(seen.getAndSet(now));
                });
        String version = seen.get();

        // A pod event makes the operator reconcile the fleet again; nothing it reports has changed,
        // so the fleet must stay exactly as it is for the whole window.
        client.pods().withName(pod.getMetadata().getName()).edit(p -> {
            p.getMetadata().getAnnotations().put("test.ferry.dev/poke", "1");
            return p;
        });
        await("the fleet is not rewritten")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> fleetVersion(client, "epsilon").equals(version));
        assertThat(pods(client, "epsilon")).hasSize(1);
    }

    private static String fleetVersion(KubernetesClient client, String name) {
        return client.resources(ServerFleet.class)
                .withName(name)
                .get()
                .getMetadata()
                .getResourceVersion();
    }

    @Test
    void adminCallsFailingAgainAndAgainShowAsAConditionAndADeletedFleetIsForgotten(KubernetesClient client) {
        ServerFleet fleet = client.resource(Fleets.valid("eta", 1)).create();
        Pod pod = awaitPods(client, "eta", 1).get(0);
        // The pod "runs" and is ready at an address where no admin API answers.
        client.pods().withName(pod.getMetadata().getName()).editStatus(p -> {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder()
                    .withPhase("Running")
                    .withPodIP("127.0.0.254")
                    .addNewPodIP("127.0.0.254")
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .build());
            return p;
        });

        ServerFleetStatus status = awaitStatus(
                client,
                "eta",
                s -> s.getConditions().stream()
                        .anyMatch(c -> "ReconcileError".equals(c.getType()) && "True".equals(c.getStatus())));
        assertThat(status.getConditions())
                .filteredOn(c -> "ReconcileError".equals(c.getType()))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.getReason()).isEqualTo("AdminCallsFailing");
                    assertThat(c.getMessage())
                            .contains("reconciliations in a row")
                            .contains(pod.getMetadata().getName() + ": status: ");
                });
        assertCondition(status, "Stalled", "True", "AdminCallsFailing");
        assertCondition(status, "Ready", "False", "AdminCallsFailing");
        assertCondition(status, "Reconciling", "False", "Stalled");
        await("AdminCallsFailing event")
                .atMost(WAIT)
                .until(() -> client.events().v1().events().list().getItems().stream()
                        .anyMatch(e -> "AdminCallsFailing".equals(e.getReason())
                                && e.getRegarding() != null
                                && "eta".equals(e.getRegarding().getName())));
        assertThat(operator.reconciler().tracks(fleet.getMetadata().getUid())).isTrue();

        client.resources(ServerFleet.class).withName("eta").delete();
        await("the operator forgets the deleted fleet")
                .atMost(WAIT)
                .until(() -> !operator.reconciler().tracks(fleet.getMetadata().getUid()));
    }

    @Test
    void aGeneratedFleetGetsItsCaAndAServingCertificateIssuedOnce(KubernetesClient client, TestNamespace ns)
            throws Exception {
        ServerFleet fleet = Fleets.valid("theta", 1);
        TlsSpec tls = new TlsSpec();
        tls.setMode(TlsMode.Generated);
        fleet.getSpec().setTls(tls);
        client.resource(fleet).create();

        Pod pod = awaitPods(client, "theta", 1).get(0);
        awaitStatus(client, "theta", s -> s.getPods().size() == 1);
        Secret ca = client.secrets().withName("theta-ca").get();
        Secret serving = client.secrets().withName("theta-tls").get();
        assertThat(serving.getType()).isEqualTo("kubernetes.io/tls");
        String caPem = FleetTlsSecrets.text(ca, FleetTlsSecrets.CA_CERT).orElseThrow();
        assertThat(FleetTlsSecrets.text(serving, FleetTlsSecrets.CA_CERT)).contains(caPem);
        String cert = FleetTlsSecrets.text(serving, FleetTlsSecrets.TLS_CERT).orElseThrow();
        assertThat(FleetCertificates.dnsNames(FleetCertificates.certificate(cert)))
                .contains("theta." + ns.name() + ".svc", "theta-admin." + ns.name() + ".svc");
        assertThat(FleetCertificates.needsRenewal(
                        cert, caPem, FleetTlsSecrets.dnsNames(fleetNamed(client, "theta")), java.time.Instant.now()))
                .isFalse();
        assertThat(pod.getSpec().getVolumes())
                .extracting(v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
                .contains("theta-tls");

        // Reconciled again (a pod event): the Secrets as read satisfy the fleet, nothing is issued again.
        client.pods().withName(pod.getMetadata().getName()).edit(p -> {
            p.getMetadata().getAnnotations().put("test.ferry.dev/poke", "1");
            return p;
        });
        await("the CA and certificate Events")
                .atMost(WAIT)
                .until(() -> eventReasons(client, "theta").containsAll(List.of("FleetCaCreated", "CertificateIssued")));
        await("nothing issued again")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> client.secrets()
                                .withName("theta-tls")
                                .get()
                                .getMetadata()
                                .getResourceVersion()
                                .equals(serving.getMetadata().getResourceVersion())
                        && client.secrets()
                                .withName("theta-ca")
                                .get()
                                .getMetadata()
                                .getResourceVersion()
                                .equals(ca.getMetadata().getResourceVersion()));
        assertThat(eventReasons(client, "theta"))
                .filteredOn(r -> r.equals("FleetCaCreated") || r.equals("CertificateIssued"))
                .containsExactlyInAnyOrder("FleetCaCreated", "CertificateIssued");

        // Renewal on demand: the annotation's new value has the certificate issued again in place, once.
        client.resources(ServerFleet.class).withName("theta").edit(f -> {
            f.getMetadata().getAnnotations().put(FleetTlsSecrets.RENEW_ANNOTATION, "2026-12-06");
            return f;
        });
        Secret[] renewed = new Secret[1];
        await("the certificate issued again for the annotation").atMost(WAIT).until(() -> {
            renewed[0] = client.secrets().withName("theta-tls").get();
            return "2026-12-06".equals(renewed[0].getMetadata().getAnnotations().get(FleetTlsSecrets.RENEW_ANNOTATION));
        });
        assertThat(FleetTlsSecrets.text(renewed[0], FleetTlsSecrets.TLS_CERT))
                .isPresent()
                .isNotEqualTo(Optional.of(cert));
        assertThat(FleetTlsSecrets.text(renewed[0], FleetTlsSecrets.CA_CERT)).contains(caPem);
        assertThat(client.secrets().withName("theta-ca").get().getMetadata().getResourceVersion())
                .isEqualTo(ca.getMetadata().getResourceVersion());
        await("issued once for it")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> client.secrets()
                        .withName("theta-tls")
                        .get()
                        .getMetadata()
                        .getResourceVersion()
                        .equals(renewed[0].getMetadata().getResourceVersion()));
        assertThat(eventReasons(client, "theta"))
                .filteredOn("CertificateIssued"::equals)
                .hasSize(2);
    }

    @Test
    void aProvidedFleetSaysWhatIsMissingAndGoesOnOnceTheSecretExists(KubernetesClient client, TestNamespace ns)
            throws Exception {
        ServerFleet fleet = Fleets.valid("iota", 1);
        TlsSpec tls = new TlsSpec();
        tls.setMode(TlsMode.Provided);
        tls.setSecretName("iota-own-tls");
        fleet.getSpec().setTls(tls);
        client.resource(fleet).create();

        // A failed reconciliation records only its condition (no observedGeneration: nothing was observed).
        await("ReconcileError of iota").atMost(WAIT).until(() -> {
            ServerFleetStatus s = fleetNamed(client, "iota").getStatus();
            return s != null
                    && s.getConditions().stream()
                            .anyMatch(c -> "ReconcileError".equals(c.getType()) && "True".equals(c.getStatus()));
        });
        ServerFleetStatus refused = fleetNamed(client, "iota").getStatus();
        assertThat(condition(refused, "ReconcileError").getMessage())
                .contains("tls.secretName: Secret " + ns.name() + "/iota-own-tls does not exist")
                .contains("tls.crt, tls.key (PKCS#8) and ca.crt");
        assertCondition(refused, "Ready", "False", "ReconcileFailed");
        assertThat(List.of(condition(refused, "Reconciling"), condition(refused, "Stalled")))
                .as("retried (Reconciling) or out of retries (Stalled), never both")
                .filteredOn(c -> "True".equals(c.getStatus()))
                .hasSize(1);
        assertThat(pods(client, "iota")).isEmpty();

        // The user's Secret, made the way a user's CA would make it: read within the poll for a missing Secret.
        FleetCertificates.Issued userCa = FleetCertificates.newCa(ns.name(), "user", java.time.Instant.now());
        FleetCertificates.Issued userCert =
                FleetCertificates.issueServing(userCa, List.of("iota." + ns.name() + ".svc"), java.time.Instant.now());
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                        .withNewMetadata()
                        .withName("iota-own-tls")
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToStringData("tls.crt", userCert.certificatePem())
                        .addToStringData("tls.key", userCert.privateKeyPem())
                        .addToStringData("ca.crt", userCa.certificatePem())
                        .build())
                .create();

        Pod pod = awaitPods(client, "iota", 1).get(0);
        ServerFleetStatus status = awaitStatus(client, "iota", s -> s.getPods().size() == 1);
        assertCondition(status, "ReconcileError", "False", "ReconcileSucceeded");
        assertThat(pod.getSpec().getVolumes())
                .extracting(v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
                .contains("iota-own-tls");
        assertThat(client.secrets().withName("iota-ca").get())
                .as("no CA of its own")
                .isNull();
    }

    @Test
    void autoscalingRaisesReplicasToItsMinimumAndSaysWhy(KubernetesClient client) {
        ServerFleet fleet = Fleets.valid("kappa", 1);
        fleet.getSpec().setAutoscaling(autoscaling(2, 4, 100));
        client.resource(fleet).create();

        awaitPods(client, "kappa", 2);
        String why = "Scaled from 1 to 2: replicas were below autoscaling.minReplicas.";
        assertThat(fleetNamed(client, "kappa").getSpec().getReplicas()).isEqualTo(2);
        ServerFleetStatus status = awaitStatus(
                client,
                "kappa",
                s -> s.getAutoscaling() != null && why.equals(s.getAutoscaling().getLastScale()));
        assertThat(status.getAutoscaling().getLastScaleTime()).isNotBlank();
        assertCondition(status, "Autoscaling", "True", "SessionTarget");
        await("the Autoscaled Event")
                .atMost(WAIT)
                .until(() -> eventNotes(client, "kappa", "Autoscaled").contains(why));
    }

    @Test
    void aHorizontalPodAutoscalerOnTheFleetMakesTheOperatorsAutoscalerStandAside(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder()
                        .withNewMetadata()
                        .withName("lambda-cpu")
                        .endMetadata()
                        .withNewSpec()
                        .withNewScaleTargetRef()
                        .withApiVersion("ferry.dev/v1alpha1")
                        .withKind("ServerFleet")
                        .withName("lambda")
                        .endScaleTargetRef()
                        .withMinReplicas(1)
                        .withMaxReplicas(3)
                        .addNewMetric()
                        .withType("Resource")
                        .withNewResource()
                        .withName("cpu")
                        .withNewTarget()
                        .withType("Utilization")
                        .withAverageUtilization(80)
                        .endTarget()
                        .endResource()
                        .endMetric()
                        .endSpec()
                        .build())
                .create();
        ServerFleet fleet = Fleets.valid("lambda", 1);
        fleet.getSpec().setAutoscaling(autoscaling(2, 4, 100));
        client.resource(fleet).create();

        ServerFleetStatus status = awaitStatus(
                client, "lambda", s -> s.getConditions().stream().anyMatch(c -> "Autoscaling".equals(c.getType())));
        assertCondition(status, "Autoscaling", "False", "ConflictingAutoscalers");
        assertThat(condition(status, "Autoscaling").getMessage())
                .contains("HorizontalPodAutoscaler lambda-cpu scales this fleet too")
                .contains("remove spec.autoscaling or the HorizontalPodAutoscaler");
        assertThat(fleetNamed(client, "lambda").getSpec().getReplicas())
                .as("below minReplicas, yet left to the HorizontalPodAutoscaler")
                .isEqualTo(1);
        await("the ConflictingAutoscalers Event")
                .atMost(WAIT)
                .until(() -> eventReasons(client, "lambda").contains("ConflictingAutoscalers"));

        // Without spec.autoscaling the HorizontalPodAutoscaler alone scales it, and the condition says so.
        client.resources(ServerFleet.class).withName("lambda").edit(f -> {
            f.getSpec().setAutoscaling(null);
            return f;
        });
        ServerFleetStatus alone = awaitStatus(
                client,
                "lambda",
                s -> s.getConditions().stream()
                        .anyMatch(c -> "Autoscaling".equals(c.getType()) && "True".equals(c.getStatus())));
        assertCondition(alone, "Autoscaling", "True", "HorizontalPodAutoscaler");
        assertThat(alone.getAutoscaling()).isNull();
    }

    private static dev.ferry.operator.model.AutoscalingSpec autoscaling(int min, int max, int target) {
        var autoscaling = new dev.ferry.operator.model.AutoscalingSpec();
        autoscaling.setMinReplicas(min);
        autoscaling.setMaxReplicas(max);
        autoscaling.setTargetSessionsPerPod(target);
        return autoscaling;
    }

    private static List<String> eventNotes(KubernetesClient client, String fleet, String reason) {
        return client.events().v1().events().list().getItems().stream()
                .filter(e -> e.getRegarding() != null
                        && fleet.equals(e.getRegarding().getName())
                        && reason.equals(e.getReason()))
                .map(e -> e.getNote())
                .toList();
    }

    private static ServerFleet fleetNamed(KubernetesClient client, String name) {
        return client.resources(ServerFleet.class).withName(name).get();
    }

    private static List<Pod> pods(KubernetesClient client, String fleet) {
        return client.pods().withLabel("ferry.dev/fleet", fleet).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    private static List<Pod> awaitPods(KubernetesClient client, String fleet, int count) {
        await(count + " pods of " + fleet)
                .atMost(WAIT)
                .until(() -> pods(client, fleet).size() == count);
        return pods(client, fleet);
    }

    private static ServerFleetStatus awaitStatus(
            KubernetesClient client, String fleet, Predicate<ServerFleetStatus> done) {
        await("status of " + fleet).atMost(WAIT).until(() -> {
            ServerFleet f = client.resources(ServerFleet.class).withName(fleet).get();
            return f.getStatus() != null
                    && f.getStatus().getObservedGeneration() != null
                    && f.getStatus()
                            .getObservedGeneration()
                            .equals(f.getMetadata().getGeneration())
                    && done.test(f.getStatus());
        });
        return client.resources(ServerFleet.class).withName(fleet).get().getStatus();
    }

    private static EnvVar env(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static void assertOwnedBy(io.fabric8.kubernetes.api.model.OwnerReference ref, ServerFleet fleet) {
        assertThat(ref.getKind()).isEqualTo("ServerFleet");
        assertThat(ref.getApiVersion()).isEqualTo("ferry.dev/v1alpha1");
        assertThat(ref.getName()).isEqualTo(fleet.getMetadata().getName());
        assertThat(ref.getUid()).isEqualTo(fleet.getMetadata().getUid());
        assertThat(ref.getController()).isTrue();
    }

    private static Condition condition(ServerFleetStatus status, String type) {
        Optional<Condition> c = status.getConditions().stream()
                .filter(x -> type.equals(x.getType()))
                .findFirst();
        return c.orElseThrow(() -> new AssertionError("no condition " + type + " in " + status.getConditions()));
    }

    private static void assertCondition(ServerFleetStatus status, String type, String value, String reason) {
        Condition c = condition(status, type);
        assertThat(c.getStatus()).as(type).isEqualTo(value);
        assertThat(c.getReason()).as(type).isEqualTo(reason);
        assertThat(c.getLastTransitionTime()).as(type).isNotBlank();
    }

    private static List<String> eventReasons(KubernetesClient client, String fleet) {
        return client.events().v1().events().list().getItems().stream()
                .filter(e -> e.getRegarding() != null
                        && fleet.equals(e.getRegarding().getName()))
                .map(e -> e.getReason())
                .toList();
    }
}
