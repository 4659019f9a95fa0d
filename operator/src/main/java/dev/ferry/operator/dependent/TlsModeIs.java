package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.resources.FleetTlsSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The fleet's {@code tls.mode} is the one a TLS Secret belongs to. A reconcile precondition: a fleet
 * that turns TLS off keeps its Secrets (they go with the fleet), and the pods' template stops
 * mounting them, so nothing is deleted when it stops holding; the Secret's poll reads nothing then.
 */
final class TlsModeIs implements Condition<Secret, ServerFleet> {

    private final TlsMode mode;

    TlsModeIs(TlsMode mode) {
        this.mode = mode;
    }

    @Override
    public boolean isMet(
            DependentResource<Secret, ServerFleet> secret, ServerFleet fleet, Context<ServerFleet> context) {
        return FleetTlsSecrets.mode(fleet) == mode;
    }
}
