package dev.ferry.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.SecretKeyRef;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

/** desired(fleet) is pure: same fleet, same pod (but the name); and the revision follows the template. */
class FleetPodTest {

    private static ServerFleet fleet() {
        ServerFleet fleet = Fleets.valid("f", 2);
        fleet.getMetadata().setNamespace("ns");
        fleet.getMetadata().setUid("uid-1");
        return fleet;
    }

    @Test
    void theSameFleetGivesTheSameRevisionAndLeavesTheFleetUntouched() {
        ServerFleet fleet = fleet();
        String before = io.fabric8.kubernetes.client.utils.Serialization.asJson(fleet);

        Pod a = FleetPod.desired(fleet);
        Pod b = FleetPod.desired(fleet());

        assertThat(a.getMetadata().getLabels().get(FleetLabels.REVISION))
                .isEqualTo(b.getMetadata().getLabels().get(FleetLabels.REVISION))
                .isEqualTo(PodRevision.of(FleetPod.template(fleet)));
        assertThat(a.getSpec()).isEqualTo(b.getSpec());
        assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(fleet))
                .isEqualTo(before);
    }

    @Test
    void changingTheImageOrATimerChangesTheRevisionScalingDoesNot() {
        String base = PodRevision.of(FleetPod.template(fleet()));

        ServerFleet image = fleet();
        image.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("ferry.invalid/ferry-server:2");
        ServerFleet timer = fleet();
        timer.getSpec().setIdleMigrationTimerSeconds(5);
        ServerFleet scaled = fleet();
        scaled.getSpec().setReplicas(7);

        assertThat(PodRevision.of(FleetPod.template(image))).isNotEqualTo(base);
        assertThat(PodRevision.of(FleetPod.template(timer))).isNotEqualTo(base);
        assertThat(PodRevision.of(FleetPod.template(scaled))).isEqualTo(base);
    }

    @Test
    void theServerContainerIsTheOneNamedServerAndTheOperatorsEnvWins() {
        ServerFleet fleet = fleet();
        fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setName("server");
        fleet.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .add(new EnvVar("FERRY_BIND", "127.0.0.1", null));
        fleet.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .add(
                        0,
                        new ContainerBuilder()
                                .withName("sidecar")
                                .withImage("x")
                                .build());

        Pod pod = FleetPod.desired(fleet);

        assertThat(pod.getSpec().getContainers().get(0).getEnv()).isEmpty();
        List<EnvVar> env = pod.getSpec().getContainers().get(1).getEnv();
        assertThat(env)
                .filteredOn(e -> e.getName().equals("FERRY_BIND"))
                .singleElement()
                .extracting(EnvVar::getValue)
                .isEqualTo("0.0.0.0");
        assertThat(env.get(0).getName())
                .as("POD_IP precedes the variables that refer to it")
                .isEqualTo("POD_IP");
    }

    @Test
    void livenessCountsOnlyAfterAStartupProbeWithMinutesOfBudgetAndUserProbesStay() {
        var server = FleetPod.desired(fleet()).getSpec().getContainers().get(0);

        var startup = server.getStartupProbe();
        assertThat(startup.getHttpGet().getPath()).isEqualTo(FleetPod.LIVE_PATH);
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).isEqualTo(FleetPod.STARTUP_SECONDS);
        assertThat(server.getLivenessProbe().getTimeoutSeconds()).isEqualTo(5);
        assertThat(server.getReadinessProbe().getPeriodSeconds()).isEqualTo(2);

        ServerFleet own = fleet();
        own.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .setStartupProbe(new io.fabric8.kubernetes.api.model.ProbeBuilder()
                        .withNewExec()
                        .withCommand("true")
                        .endExec()
                        .build());
        assertThat(FleetPod.desired(own)
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getStartupProbe()
                        .getExec()
                        .getCommand())
                .containsExactly("true");
    }

    @Test
    void withoutASecurityContextThePodIsHardenedWithAWritableTmp() {
        Pod pod = FleetPod.desired(fleet());

        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
                .isEqualTo("RuntimeDefault");
        var server = pod.getSpec().getContainers().get(0);
        assertThat(server.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(server.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(server.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(server.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());

        ServerFleet own = fleet();
        own.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .setSecurityContext(new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
                        .withRunAsUser(1000L)
                        .build());
        var ownServer = FleetPod.desired(own).getSpec().getContainers().get(0);
        assertThat(ownServer.getSecurityContext().getRunAsUser())
                .as("the template's own wins")
                .isEqualTo(1000L);
        assertThat(ownServer.getSecurityContext().getReadOnlyRootFilesystem()).isNull();
    }

    @Test
    void theClaimConfirmTimeoutReachesThePodOnlyWhenItIsNotTheServersDefault() {
        ServerFleet defaults = fleet();
        assertThat(defaults.getSpec().getClaimConfirmTimeoutSeconds()).isEqualTo(5);
        assertThat(FleetPod.serverEnv(defaults)).noneMatch(e -> e.getName().equals("FERRY_CLAIM_CONFIRM_TIMEOUT"));
        // So fleets that leave it alone keep the revision they had before the field existed.
        ServerFleet unset = fleet();
        unset.getSpec().setClaimConfirmTimeoutSeconds(null);
        assertThat(PodRevision.of(FleetPod.template(defaults))).isEqualTo(PodRevision.of(FleetPod.template(unset)));

        ServerFleet longer = fleet();
        longer.getSpec().setClaimConfirmTimeoutSeconds(12);
        assertThat(FleetPod.serverEnv(longer))
                .filteredOn(e -> e.getName().equals("FERRY_CLAIM_CONFIRM_TIMEOUT"))
                .singleElement()
                .extracting(EnvVar::getValue)
                .isEqualTo("12");
        assertThat(PodRevision.of(FleetPod.template(longer))).isNotEqualTo(PodRevision.of(FleetPod.template(defaults)));
    }

    @Test
    void aStoreUriFromASecretIsPassedAsASecretReference() {
        ServerFleet fleet = fleet();
        fleet.getSpec().getContextStore().setUri(null);
        fleet.getSpec().getContextStore().setSecretKeyRef(new SecretKeyRef("redis", "uri"));

        EnvVar store = FleetPod.serverEnv(fleet).stream()
                .filter(e -> e.getName().equals("FERRY_STORE_URI"))
                .findFirst()
                .orElseThrow();

        assertThat(store.getValue()).isNull();
        assertThat(store.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis");
        assertThat(store.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("uri");
    }

    @Test
    void aDrainLivesInOneAnnotationOfThePod() {
        Pod pod = FleetPod.desired(fleet());
        assertThat(DrainState.of(pod)).isEmpty();

        pod.getMetadata()
                .getAnnotations()
                .put(
                        DrainRecord.ANNOTATION,
                        DrainRecord.requested(DrainReason.Rollout, java.time.Instant.EPOCH)
                                .toJson());
        assertThat(DrainState.of(pod)).contains(DrainState.Requested);

        pod.getMetadata().getAnnotations().put(DrainRecord.ANNOTATION, "garbage");
        assertThat(DrainState.of(pod))
                .as("an unreadable record is never mistaken for serving")
                .contains(DrainState.Requested);
    }
}
