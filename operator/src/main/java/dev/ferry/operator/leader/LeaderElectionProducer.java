package dev.ferry.operator.leader;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/**
 * Gives quarkus-operator-sdk the leader election configuration (it looks for a bean of this type).
 * QOSDK applies it in the prod profile only (quarkus.operator-sdk.activate-leader-election-for-profiles).
 */
public class LeaderElectionProducer {

    private static final Logger log = Logger.getLogger(LeaderElectionProducer.class);

    /** Null when disabled: QOSDK then starts reconciling at once. */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(LeaderElectionConfig config) {
        if (!config.enabled()) {
            log.info("Leader election is off (ferry.leader-election.enabled=false): run a single replica");
            return null;
        }
        LeaderElectionSettings settings = LeaderElectionSettings.builder()
                .leaseName(config.leaseName())
                .leaseNamespace(config.leaseNamespace().orElse(System.getenv("POD_NAMESPACE")))
                .identity(System.getenv("POD_NAME"))
                .timing(config.leaseDuration(), config.renewDeadline(), config.retryPeriod())
                .exitOnStopLeading(config.exitOnLostLease())
                .build();
        log.infof("Leader election on %s", settings);
        return settings.toConfiguration();
    }
}
