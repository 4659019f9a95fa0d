package dev.ferry.operator.cluster;

import dev.ferry.operator.ServerFleetReconciler;
import dev.ferry.operator.leader.LeaderElectionSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;

/**
 * The reconciler run in-process by plain JOSDK (not the Quarkus app), with a client the test
 * chooses (the operator's ServiceAccount) and watching only the test's namespace.
 */
public final class FleetOperator implements AutoCloseable {

    private final Operator operator;
    private final ServerFleetReconciler reconciler;

    private FleetOperator(Operator operator, ServerFleetReconciler reconciler) {
        this.operator = operator;
        this.reconciler = reconciler;
    }

    public ServerFleetReconciler reconciler() {
        return reconciler;
    }

    public static FleetOperator start(KubernetesClient client, String namespace) {
        Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
        ServerFleetReconciler reconciler = new ServerFleetReconciler();
        operator.register(reconciler, c -> c.settingNamespace(namespace));
        operator.start();
        return new FleetOperator(operator, reconciler);
    }

    /**
     * As {@link #start(KubernetesClient, String)}, as replica {@code instance} (in its Events) that
     * reconciles only while it holds the lease of {@code leaderElection}.
     */
    public static FleetOperator start(
            KubernetesClient client, String namespace, String instance, LeaderElectionSettings leaderElection) {
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withLeaderElectionConfiguration(leaderElection.toConfiguration()));
        ServerFleetReconciler reconciler = new ServerFleetReconciler(instance);
        operator.register(reconciler, c -> c.settingNamespace(namespace));
        operator.start();
        return new FleetOperator(operator, reconciler);
    }

    @Override
    public void close() {
        operator.stop();
    }
}
