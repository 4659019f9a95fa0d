package dev.ferry.operator.resources;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Service clients connect to. It selects only serving pods, so a pod that starts to drain
 * (label {@code ferry.dev/serving=false}) gets no new clients from the moment it is marked.
 */
public final class ClientService {

    public static final String PORT_NAME = "client";

    private ClientService() {}

    public static String name(ServerFleet fleet) {
        return fleet.getMetadata().getName();
    }

    /** Cluster DNS name and port of the Service: the address advertised with {@code advertise: Service}. */
    public static String address(ServerFleet fleet) {
        return name(fleet) + "." + fleet.getMetadata().getNamespace() + ".svc:"
                + fleet.getSpec().getClientPort();
    }

    public static Map<String, String> selector(ServerFleet fleet) {
        Map<String, String> selector = new LinkedHashMap<>(FleetLabels.podSelector(fleet));
        selector.put(FleetLabels.SERVING, "true");
        return selector;
    }

    public static Service desired(ServerFleet fleet) {
        return new ServiceBuilder()
                .withMetadata(FleetLabels.ownedMetadata(fleet, name(fleet)))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector(fleet))
                .withPorts(new ServicePortBuilder()
                        .withName(PORT_NAME)
                        .withProtocol("TCP")
                        .withPort(fleet.getSpec().getClientPort())
                        .withTargetPort(new IntOrString(FleetPod.CLIENT_PORT_NAME))
                        .build())
                .endSpec()
                .build();
    }
}
