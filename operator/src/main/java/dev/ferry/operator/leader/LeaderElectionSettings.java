package dev.ferry.operator.leader;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Leader election between operator replicas: only the holder of a {@code coordination.k8s.io} Lease
 * reconciles; the others wait and take over when the leader stops renewing it.
 *
 * <p>A replica that loses the lease exits by default (JOSDK): its reconciliations might still be
 * running, and a restart is the simple way to make sure two operators never drain the same pod.
 * Tests that stop an operator in-process turn that off.
 */
public final class LeaderElectionSettings {

    public static final String DEFAULT_LEASE_NAME = "ferry-operator";

    private final String leaseName;
    private final String leaseNamespace;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final boolean exitOnStopLeading;

    private LeaderElectionSettings(Builder b) {
        this.leaseName = b.leaseName;
        this.leaseNamespace = b.leaseNamespace;
        this.identity = b.identity;
        this.leaseDuration = b.leaseDuration;
        this.renewDeadline = b.renewDeadline;
        this.retryPeriod = b.retryPeriod;
        this.exitOnStopLeading = b.exitOnStopLeading;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String leaseName() {
        return leaseName;
    }

    /** Empty: the namespace of the operator's Kubernetes client (in a pod, its own namespace). */
    public Optional<String> leaseNamespace() {
        return Optional.ofNullable(leaseNamespace);
    }

    /** Empty: JOSDK's default (the POD_NAME variable, else the host name). */
    public Optional<String> identity() {
        return Optional.ofNullable(identity);
    }

    public Duration leaseDuration() {
        return leaseDuration;
    }

    public Duration renewDeadline() {
        return renewDeadline;
    }

    public Duration retryPeriod() {
        return retryPeriod;
    }

    public LeaderElectionConfiguration toConfiguration() {
        LeaderElectionConfigurationBuilder b = LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                        leaseName)
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(renewDeadline)
                .withRetryPeriod(retryPeriod)
                .withExitOnStopLeading(exitOnStopLeading);
        leaseNamespace().ifPresent(b::withLeaseNamespace);
        identity().ifPresent(b::withIdentity);
        return b.build();
    }

    @Override
    public String toString() {
        return "lease " + leaseNamespace().map(n -> n + "/").orElse("") + leaseName + " (duration " + leaseDuration
                + ", renew deadline " + renewDeadline + ", retry " + retryPeriod + ")";
    }

    public static final class Builder {
        private String leaseName = DEFAULT_LEASE_NAME;
        private String leaseNamespace;
        private String identity;
        private Duration leaseDuration = LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE;
        private Duration renewDeadline = LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE;
        private Duration retryPeriod = LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE;
        private boolean exitOnStopLeading = true;

        private Builder() {}

        public Builder leaseName(String name) {
            this.leaseName = requireName(name, "lease name");
            return this;
        }

        /** Blank or null: the client's namespace. */
        public Builder leaseNamespace(String namespace) {
            this.leaseNamespace =
                    namespace == null || namespace.isBlank() ? null : requireName(namespace, "lease namespace");
            return this;
        }

        /** Blank or null: JOSDK's default. Must differ between replicas. */
        public Builder identity(String identity) {
            this.identity = identity == null || identity.isBlank() ? null : identity;
            return this;
        }

        /** How long a lease holds without renewal; renewDeadline &lt; leaseDuration, retryPeriod &lt; renewDeadline. */
        public Builder timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
            Objects.requireNonNull(leaseDuration, "leaseDuration");
            Objects.requireNonNull(renewDeadline, "renewDeadline");
            Objects.requireNonNull(retryPeriod, "retryPeriod");
            if (retryPeriod.isNegative()
                    || retryPeriod.isZero()
                    || renewDeadline.compareTo(retryPeriod) <= 0
                    || leaseDuration.compareTo(renewDeadline) <= 0) {
                throw new IllegalArgumentException(
                        "leader election needs 0 < retry period < renew deadline < lease duration, got retry "
                                + retryPeriod + ", renew deadline " + renewDeadline + ", lease duration "
                                + leaseDuration);
            }
            this.leaseDuration = leaseDuration;
            this.renewDeadline = renewDeadline;
            this.retryPeriod = retryPeriod;
            return this;
        }

        /** Whether a replica that loses the lease exits (true, the default in a pod). */
        public Builder exitOnStopLeading(boolean exit) {
            this.exitOnStopLeading = exit;
            return this;
        }

        public LeaderElectionSettings build() {
            return new LeaderElectionSettings(this);
        }

        private static String requireName(String value, String what) {
            if (value == null || !value.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException(
                        what + " must be a DNS subdomain name (lower-case letters, digits, '-' and '.'), got \"" + value
                                + "\"");
            }
            return value;
        }
    }
}
