package dev.ferry.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's drain as the operator records it on the pod: the annotation {@value #ANNOTATION}, versioned JSON such
 * as {@code {"version":1,"state":"Draining","reason":"Eviction","requestedAt":"...","startedAt":"...",
 * "targets":["10.244.1.7:7000"],"sessionsAtStart":30,...}} (docs/operator.md). Read the way the operator reads it:
 * fields of a newer version are ignored, and a value that cannot be read still means a drain was started (state
 * {@code Unreadable}, with why). Pods marked by an older operator carry one annotation per field
 * ({@code ferry.dev/drain-state}, {@code -reason}, {@code -started-at}, {@code -targets}, {@code -sessions}).
 *
 * @param state           Requested, Draining, Drained (or whatever a newer operator wrote), or Unreadable
 * @param reason          ScaleDown, Rollout, NodeDrain, Eviction, ...; null when not recorded
 * @param requestedAt     when the operator chose the pod, or null
 * @param startedAt       when it asked the pod to migrate, or null while Requested
 * @param targets         the pods' addresses it migrates to
 * @param sessionsAtStart sessions the pod held when the drain started
 * @param problem         why the value could not be read, or null
 */
public record DrainRecord(
        String state,
        String reason,
        Instant requestedAt,
        Instant startedAt,
        List<String> targets,
        long sessionsAtStart,
        String problem) {

    public static final String ANNOTATION = "ferry.dev/drain";
    /** Set by the operator's eviction webhook when it refused an eviction of the pod, before the drain record. */
    public static final String EVICTION_ANNOTATION = "ferry.dev/eviction-requested";

    private static final ObjectMapper JSON = new ObjectMapper();

    public DrainRecord {
        targets = List.copyOf(targets);
    }

    /**
     * The pod's drain from its annotations; empty when it has none. A pod whose eviction was refused but that has
     * no record yet reads as state {@code EvictionRequested} (its replacement is starting).
     */
    public static Optional<DrainRecord> of(Map<String, String> annotations) {
        if (annotations == null) return Optional.empty();
        String json = annotations.get(ANNOTATION);
        if (json != null) return Optional.of(parse(json));
        String legacy = annotations.get("ferry.dev/drain-state");
        if (legacy != null) {
            String targets = annotations.getOrDefault("ferry.dev/drain-targets", "");
            return Optional.of(new DrainRecord(
                    legacy,
                    annotations.get("ferry.dev/drain-reason"),
                    null,
                    instant(annotations.get("ferry.dev/drain-started-at")),
                    Arrays.stream(targets.split(","))
                            .map(String::strip)
                            .filter(s -> !s.isEmpty())
                            .toList(),
                    number(annotations.get("ferry.dev/drain-sessions")),
                    null));
        }
        String eviction = annotations.get(EVICTION_ANNOTATION);
        if (eviction != null) {
            return Optional.of(
                    new DrainRecord("EvictionRequested", "Eviction", instant(eviction), null, List.of(), 0, null));
        }
        return Optional.empty();
    }

    /** Reads the annotation's value; never throws. */
    public static DrainRecord parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (Exception e) {
            return unreadable(ANNOTATION + " is not JSON");
        }
        if (node == null || !node.isObject()) return unreadable(ANNOTATION + " is not a JSON object");
        JsonNode version = node.get("version");
        if (version == null || !version.canConvertToInt() || version.asInt() < 1) {
            return unreadable(ANNOTATION + " has no positive version");
        }
        JsonNode state = node.get("state");
        if (state == null || !state.isTextual() || state.asText().isBlank()) {
            return unreadable(ANNOTATION + " has no state");
        }
        List<String> targets = new ArrayList<>();
        node.path("targets").forEach(t -> {
            if (t.isTextual() && !t.asText().isBlank()) targets.add(t.asText());
        });
        JsonNode reason = node.get("reason");
        return new DrainRecord(
                state.asText(),
                reason != null && reason.isTextual() ? reason.asText() : null,
                instant(node.path("requestedAt").asText(null)),
                instant(node.path("startedAt").asText(null)),
                targets,
                Math.max(0, node.path("sessionsAtStart").asLong(0)),
                null);
    }

    /** Whether the drain still runs: not yet finished (Drained) by the operator. */
    public boolean underWay() {
        return !"Drained".equals(state);
    }

    private static DrainRecord unreadable(String why) {
        return new DrainRecord("Unreadable", null, null, null, List.of(), 0, why);
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Math.max(0, Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
