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

  private FleetOperator(Operator operator) {
    this.operator = operator;
  }

  public static FleetOperator start(KubernetesClient client, String namespace) {
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    operator.register(new ServerFleetReconciler(), c -> c.settingNamespace(namespace));
    operator.start();
    return new FleetOperator(operator);
  }

  @Override
  public void close() {
    operator.stop();
  }
}
