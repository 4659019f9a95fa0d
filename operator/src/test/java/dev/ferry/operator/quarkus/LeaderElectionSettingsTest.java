package dev.ferry.operator.quarkus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.operator.leader.LeaderElectionSettings;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The leader election settings behind ferry.leader-election.* (the election itself: QuarkusLeaderElectionTest, and node/LeaderKilledIT on a real cluster). */
class LeaderElectionSettingsTest {

    @Test
    void defaultsUseTheClientsNamespaceAndExitOnLostLeadership() {
        LeaderElectionConfiguration c = LeaderElectionSettings.builder().build().toConfiguration();
        assertThat(c.getLeaseName()).isEqualTo("ferry-operator");
        assertThat(c.getLeaseNamespace()).isEmpty();
        assertThat(c.getIdentity()).isEmpty();
        assertThat(c.isExitOnStopLeading()).isTrue();
    }

    @Test
    void everySettingReachesJosdk() {
        LeaderElectionConfiguration c = LeaderElectionSettings.builder()
                .leaseName("fleet-lease")
                .leaseNamespace("ferry-system")
                .identity("ferry-operator-abc")
                .timing(Duration.ofSeconds(20), Duration.ofSeconds(12), Duration.ofSeconds(3))
                .exitOnStopLeading(false)
                .build()
                .toConfiguration();
        assertThat(c.getLeaseName()).isEqualTo("fleet-lease");
        assertThat(c.getLeaseNamespace()).contains("ferry-system");
        assertThat(c.getIdentity()).contains("ferry-operator-abc");
        assertThat(c.getLeaseDuration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.getRenewDeadline()).isEqualTo(Duration.ofSeconds(12));
        assertThat(c.getRetryPeriod()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.isExitOnStopLeading()).isFalse();
    }

    @Test
    void blankNamespaceAndIdentityMeanTheDefaults() {
        LeaderElectionSettings s = LeaderElectionSettings.builder()
                .leaseNamespace(" ")
                .identity("")
                .build();
        assertThat(s.leaseNamespace()).isEmpty();
        assertThat(s.identity()).isEmpty();
    }

    @Test
    void badInputSaysWhatToFix() {
        assertThatThrownBy(() -> LeaderElectionSettings.builder().leaseName("Ferry_Lease"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease name must be a DNS subdomain name")
                .hasMessageContaining("Ferry_Lease");
        assertThatThrownBy(() -> LeaderElectionSettings.builder()
                        .timing(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 < retry period < renew deadline < lease duration");
        assertThatThrownBy(() -> LeaderElectionSettings.builder()
                        .timing(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
