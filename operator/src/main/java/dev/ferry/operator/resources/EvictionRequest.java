package dev.ferry.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A refused eviction, kept on the pod: the eviction webhook ({@code dev.ferry.operator.webhook}) sets
 * the annotation {@value #ANNOTATION} to the time (RFC 3339) it refused the first eviction of the pod.
 * The leading operator then treats the pod like one on a draining node: a replacement first, then the
 * drain (reason {@link DrainReason#Eviction}), then the pod's deletion. The annotation is the only
 * channel between the webhook, which any replica serves, and the drains, which only the leader runs.
 */
public final class EvictionRequest {

    public static final String ANNOTATION = "ferry.dev/eviction-requested";

    private EvictionRequest() {}

    /** Whether an eviction of the pod was refused so that it drains first. */
    public static boolean isRequested(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(ANNOTATION);
    }

    /** When the first eviction was refused; empty when the pod carries no request or an unreadable time. */
    public static Optional<Instant> requestedAt(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(ANNOTATION);
        try {
            return value == null ? Optional.empty() : Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
