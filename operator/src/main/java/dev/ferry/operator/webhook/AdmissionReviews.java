package dev.ferry.operator.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads an {@code admission.k8s.io/v1} AdmissionReview as the API server sends it, and writes the
 * answer. Only what the eviction webhook needs is read: the request's uid, operation, resource,
 * subresource, namespace, name, who asked, and whether it is a dry run. A body that is not such a
 * review is refused with {@link BadReview} (HTTP 400) and a message saying what is wrong; no other
 * exception leaves {@link #parse}.
 */
public final class AdmissionReviews {

    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AdmissionReviews() {}

    /** A body that is not an AdmissionReview v1 with a request: answered with HTTP 400 and the message. */
    public static final class BadReview extends Exception {
        public BadReview(String message) {
            super(message);
        }
    }

    /**
     * The parts of {@code request} the webhook decides on.
     *
     * @param group {@code request.resource.group} ("" for the core group)
     * @param resource {@code request.resource.resource} ("pods")
     * @param subResource {@code request.subResource} ("eviction"; "" when absent)
     * @param name the object's name: for an eviction, the pod's ({@code request.name}, else the
     *     Eviction's {@code metadata.name})
     * @param user {@code request.userInfo.username}; empty when not given
     * @param dryRun {@code request.dryRun}, or an Eviction whose {@code deleteOptions.dryRun} holds
     *     "All" ({@code kubectl drain --dry-run=server} puts it there, not in the request's options)
     */
    public record Request(
            String uid,
            String operation,
            String group,
            String version,
            String resource,
            String subResource,
            String namespace,
            String name,
            Optional<String> user,
            boolean dryRun) {

        public Request {
            Objects.requireNonNull(uid, "uid");
        }

        /** A CREATE of pods/eviction (any version of the core group: matchPolicy Equivalent). */
        public boolean isPodEviction() {
            return "CREATE".equals(operation)
                    && group.isEmpty()
                    && "pods".equals(resource)
                    && "eviction".equals(subResource);
        }
    }

    /**
     * Parses an AdmissionReview.
     *
     * @throws BadReview when the body is not JSON, not an {@value #API_VERSION} {@value #KIND}, or has no
     *     request with a uid
     */
    public static Request parse(String body) throws BadReview {
        if (body == null || body.isBlank()) {
            throw new BadReview("empty body: expected an " + API_VERSION + " " + KIND);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new BadReview("the body is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new BadReview("the body must be a JSON object (an " + API_VERSION + " " + KIND + ")");
        }
        String apiVersion = text(root, "apiVersion");
        String kind = text(root, "kind");
        if (!API_VERSION.equals(apiVersion) || !KIND.equals(kind)) {
            throw new BadReview("expected apiVersion " + API_VERSION + " and kind " + KIND + ", got apiVersion "
                    + quoted(apiVersion) + " and kind " + quoted(kind)
                    + " (the webhook configuration must list admissionReviewVersions [v1])");
        }
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) {
            throw new BadReview("the " + KIND + " has no request object");
        }
        String uid = text(request, "uid");
        if (uid == null || uid.isEmpty()) {
            throw new BadReview("the " + KIND + "'s request has no uid");
        }
        JsonNode resource = request.path("resource");
        JsonNode object = request.path("object");
        String name = text(request, "name");
        if (name == null || name.isEmpty()) {
            name = text(object.path("metadata"), "name");
        }
        String namespace = text(request, "namespace");
        if (namespace == null || namespace.isEmpty()) {
            namespace = text(object.path("metadata"), "namespace");
        }
        JsonNode evictionDryRun = object.path("deleteOptions").path("dryRun");
        boolean dryRun = request.path("dryRun").asBoolean(false)
                || (evictionDryRun.isArray()
                        && java.util.stream.StreamSupport.stream(evictionDryRun.spliterator(), false)
                                .anyMatch(v -> "All".equals(v.asText())));
        String user = text(request.path("userInfo"), "username");
        return new Request(
                uid,
                orEmpty(text(request, "operation")),
                orEmpty(text(resource, "group")),
                orEmpty(text(resource, "version")),
                orEmpty(text(resource, "resource")),
                orEmpty(text(request, "subResource")),
                orEmpty(namespace),
                orEmpty(name),
                Optional.ofNullable(user).filter(u -> !u.isEmpty()),
                dryRun);
    }

    /** The AdmissionReview answering request {@code uid} with {@code decision}. */
    public static String response(String uid, EvictionAdmission.Decision decision) {
        ObjectNode root = JSON.createObjectNode();
        root.put("apiVersion", API_VERSION);
        root.put("kind", KIND);
        ObjectNode response = root.putObject("response");
        response.put("uid", uid);
        switch (decision) {
            case EvictionAdmission.Decision.Allow allow -> {
                response.put("allowed", true);
                allow.warning().ifPresent(w -> response.putArray("warnings").add(w));
            }
            case EvictionAdmission.Decision.Deny deny -> {
                response.put("allowed", false);
                ObjectNode status = response.putObject("status");
                // The API server passes code, reason and message on to the caller (the message prefixed
                // with "admission webhook ... denied the request: "). No details.retryAfterSeconds, like the
                // API server's own disruption-budget refusal: with a Retry-After header client-go would retry
                // the POST itself, and kubectl drain would print nothing while it waits.
                status.put("status", "Failure");
                status.put("code", deny.code());
                status.put("reason", deny.reason());
                status.put("message", deny.message());
            }
        }
        return root.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String quoted(String s) {
        return s == null ? "(none)" : "\"" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "\"";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no detail)";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
