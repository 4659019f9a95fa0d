package dev.ferry.operator;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events (events.k8s.io/v1) about a fleet, one per step the operator takes. An Event that
 * cannot be written is logged and dropped: it must never fail a reconciliation.
 */
public final class FleetEvents {

    public static final String REPORTING_CONTROLLER = "ferry.dev/operator";
    private static final Logger log = Logger.getLogger(FleetEvents.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private final KubernetesClient client;
    private final String instance;

    public FleetEvents(KubernetesClient client, String instance) {
        this.client = client;
        this.instance = instance;
    }

    public void normal(ServerFleet fleet, String reason, String action, HasMetadata related, String note) {
        emit(fleet, "Normal", reason, action, related, note);
    }

    public void warning(ServerFleet fleet, String reason, String action, HasMetadata related, String note) {
        emit(fleet, "Warning", reason, action, related, note);
    }

    /**
     * A Normal Event recorded at most once for {@code identity}: its name derives from it, so a second
     * call (by this replica or by the next leader, which cannot know whether the last one got as far
     * as the Event) finds it there and records nothing.
     *
     * @return true if the Event is there now (written by this call or found already), false if it could
     *     not be written
     */
    public boolean normalOnce(
            ServerFleet fleet, String identity, String reason, String action, HasMetadata related, String note) {
        String name = fleet.getMetadata().getName() + "." + HexFormat.of().formatHex(sha256(identity), 0, 8);
        return emit(name, fleet, "Normal", reason, action, related, note);
    }

    private void emit(ServerFleet fleet, String type, String reason, String action, HasMetadata related, String note) {
        emit(
                fleet.getMetadata().getName() + "." + HexFormat.of().formatHex(randomBytes()),
                fleet,
                type,
                reason,
                action,
                related,
                note);
    }

    private boolean emit(
            String name,
            ServerFleet fleet,
            String type,
            String reason,
            String action,
            HasMetadata related,
            String note) {
        String namespace = fleet.getMetadata().getNamespace();
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withEventTime(new MicroTime(ZonedDateTime.now(ZoneOffset.UTC).format(MICRO_TIME)))
                .withReportingController(REPORTING_CONTROLLER)
                .withReportingInstance(instance)
                .withType(type)
                .withReason(reason)
                .withAction(action)
                .withRegarding(reference(fleet))
                .withRelated(related == null ? null : reference(related))
                // The API server limits a note to 1 kB.
                .withNote(note.length() > 1000 ? note.substring(0, 1000) : note)
                .build();
        try {
            client.resource(event).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                log.debugf(
                        "Event %s for %s/%s is recorded already (%s)",
                        reason, namespace, fleet.getMetadata().getName(), name);
                return true;
            }
            log.warnf(
                    "Cannot record event %s for %s/%s: %s",
                    reason, namespace, fleet.getMetadata().getName(), e.getMessage());
            return false;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static ObjectReference reference(HasMetadata o) {
        return new ObjectReferenceBuilder()
                .withApiVersion(o.getApiVersion())
                .withKind(o.getKind())
                .withName(o.getMetadata().getName())
                .withNamespace(o.getMetadata().getNamespace())
                .withUid(o.getMetadata().getUid())
                .withResourceVersion(o.getMetadata().getResourceVersion())
                .build();
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }
}
