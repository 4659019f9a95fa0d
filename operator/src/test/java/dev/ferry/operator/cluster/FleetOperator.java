package dev.ferry.operator.cluster;

import dev.ferry.operator.ServerFleetReconciler;
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

  @Override
  public void close() {
    operator.stop();
  }
}
