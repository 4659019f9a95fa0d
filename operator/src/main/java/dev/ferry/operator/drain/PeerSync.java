package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/**
 * Keeps every serving pod's peer list equal to the other serving pods, so a pod deleted by someone
 * else (SIGTERM) drains itself to the right peers. A pod is told only when its reported peers differ.
 */
public final class PeerSync {

    private static final Logger log = Logger.getLogger(PeerSync.class);

    private PeerSync() {}

    /** @return the pods whose update failed, with why */
    public static List<String> sync(ServerFleet fleet, FleetPods pods, PodAdminClient admin) {
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (Pod pod : pods.serving()) {
            PodAdminStatus status = pods.status(pod);
            String ip = FleetPods.podIP(pod);
            if (status == null || ip == null) {
                continue;
            }
            List<String> peers = DrainTargets.peersOf(fleet, pods, pod);
            if (new HashSet<>(status.peers()).equals(new HashSet<>(peers))) {
                continue;
            }
            log.infof("Peers of pod %s: %s", FleetPods.name(pod), peers);
            calls.add(admin.setPeers(ip, peers)
                    .handle((ok, e) -> e == null ? null : FleetPods.name(pod) + ": " + cause(e)));
        }
        return calls.stream()
                .map(CompletableFuture::join)
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static String cause(Throwable e) {
        return (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage();
    }
}
