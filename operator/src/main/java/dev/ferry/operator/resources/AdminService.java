package dev.ferry.operator.resources;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/**
 * Headless Service over every pod of the fleet, ready or not, for the admin port: gives each pod a
 * DNS name and lets the operator (and Prometheus) reach draining and starting pods too.
 */
public final class AdminService {

    public static final String PORT_NAME = "admin";

    private AdminService() {}

    public static String name(ServerFleet fleet) {
        return fleet.getMetadata().getName() + "-admin";
    }

    public static Service desired(ServerFleet fleet) {
        return new ServiceBuilder()
                .withMetadata(FleetLabels.ownedMetadata(fleet, name(fleet)))
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(FleetLabels.podSelector(fleet))
                .withPorts(new ServicePortBuilder()
                        .withName(PORT_NAME)
                        .withProtocol("TCP")
                        .withPort(fleet.getSpec().getAdminPort())
                        .withTargetPort(new IntOrString(FleetPod.ADMIN_PORT_NAME))
                        .build())
                .endSpec()
                .build();
    }
}
