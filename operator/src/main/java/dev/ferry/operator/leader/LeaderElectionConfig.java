package dev.ferry.operator.leader;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code ferry.leader-election.*}: on by default, so running two replicas is always safe. */
@ConfigMapping(prefix = "ferry.leader-election")
public interface LeaderElectionConfig {

    /** Whether replicas elect a leader; off only for a single replica that must start reconciling at once. */
    @WithDefault("true")
    boolean enabled();

    @WithDefault(LeaderElectionSettings.DEFAULT_LEASE_NAME)
    String leaseName();

    /** Default: the POD_NAMESPACE variable (downward API), else the client's namespace. */
    Optional<String> leaseNamespace();

    @WithDefault("15s")
    Duration leaseDuration();

    @WithDefault("10s")
    Duration renewDeadline();

    @WithDefault("2s")
    Duration retryPeriod();

    /**
     * Whether a replica that loses the lease exits (so its Deployment restarts it). Only an embedding
     * that stops and starts the operator in one JVM, such as a test, turns it off.
     */
    @WithDefault("true")
    boolean exitOnLostLease();
}
