package dev.ferry.operator.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A fleet of Ferry server pods that the operator runs itself, so that it decides which pod goes and
 * when: a pod is removed only after its sessions have migrated to healthy peers.
 */
@Group(ServerFleet.GROUP)
@Version(ServerFleet.VERSION)
@Plural("serverfleets")
@ShortNames("sf")
@ValidationRule(
        value = "self.metadata.name.matches('^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$')",
        message = "metadata.name must be a DNS label of at most 52 characters that starts with a letter"
                + " (it names the fleet's Services and prefixes its pod names)")
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Recommended",
        jsonPath = ".status.autoscaling.recommendedReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.readyReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Sessions", jsonPath = ".status.sessions", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Migrating",
        jsonPath = ".status.migrations.inFlight",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Updated",
        jsonPath = ".status.updatedReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Status",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ServerFleet extends CustomResource<ServerFleetSpec, ServerFleetStatus> implements Namespaced {

    public static final String GROUP = "ferry.dev";
    public static final String VERSION = "v1alpha1";

    @Override
    protected ServerFleetStatus initStatus() {
        return new ServerFleetStatus();
    }
}
