package dev.ferry.operator.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pod's drain, kept on the pod in the one annotation {@value #ANNOTATION} so that a restarted
 * operator (or the next leader) carries it on where the last one stopped. The value is JSON with a
 * version, for example:
 *
 * <pre>{@code
 * {"version":1,"state":"Draining","reason":"Rollout","requestedAt":"2026-12-06T06:29:59Z",
 *  "startedAt":"2026-12-06T06:30:00Z",
 *  "targets":["10.244.0.7:7000"],"sessionsAtStart":120,
 *  "countersAtStart":{"requested":3,"completed":3,"failed":0,"handedOff":0},"announced":true}
 * }</pre>
 *
 * <p>{@code requestedAt} and {@code startedAt}: when the pod was chosen and when it was asked to
 * migrate; a pod's session count read before them says nothing about the drain. {@code
 * countersAtStart} are the pod's migration counters when the drain began, so the drain's
 * own migrations can be told apart from earlier ones; {@code announced} says the DrainStarted Event
 * is recorded, so a new leader does not tell it twice. A record written by a newer operator (a
 * higher version) is read for the fields this version knows. Pods marked by an operator that wrote
 * one annotation per field ({@link Legacy}) are read too; the next write replaces those annotations.
 */
public record DrainRecord(
        DrainState state,
        DrainReason reason,
        Instant requestedAt,
        Instant startedAt,
        List<String> targets,
        long sessionsAtStart,
        Counters countersAtStart,
        boolean announced) {

    public static final String ANNOTATION = "ferry.dev/drain";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public DrainRecord {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        targets = List.copyOf(targets);
        Objects.requireNonNull(countersAtStart, "countersAtStart");
    }

    /** A pod's migration counters as its admin API reports them. */
    public record Counters(long requested, long completed, long failed, long handedOff) {

        public static final Counters ZERO = new Counters(0, 0, 0, 0);

        /** What happened since {@code start} (never negative: a restarted server counts from 0 again). */
        public Counters since(Counters start) {
            return new Counters(
                    Math.max(0, requested - start.requested),
                    Math.max(0, completed - start.completed),
                    Math.max(0, failed - start.failed),
                    Math.max(0, handedOff - start.handedOff));
        }
    }

    /** A pod chosen for removal at {@code now}: out of the client Service, not yet asked to migrate. */
    public static DrainRecord requested(DrainReason reason, Instant now) {
        return new DrainRecord(DrainState.Requested, reason, now, null, List.of(), 0, Counters.ZERO, false);
    }

    /** The pod was asked to migrate its {@code sessions} to {@code targets} at {@code now}. */
    public DrainRecord draining(Instant now, List<String> targets, long sessions, Counters counters) {
        return new DrainRecord(
                DrainState.Draining, reason, requestedAt, now, targets, Math.max(0, sessions), counters, false);
    }

    /** The DrainStarted Event is recorded. */
    public DrainRecord announcedNow() {
        return new DrainRecord(state, reason, requestedAt, startedAt, targets, sessionsAtStart, countersAtStart, true);
    }

    /** Names one drain of one pod (a pod drained, cancelled by hand and drained again has two). */
    public String identity(Pod pod) {
        return pod.getMetadata().getUid() + "/" + (startedAt == null ? "" : startedAt.toString());
    }

    /** The pod's drain; empty when it serves normally. */
    public static Optional<DrainRecord> of(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations == null) {
            return Optional.empty();
        }
        String json = annotations.get(ANNOTATION);
        if (json != null) {
            return Optional.of(parseOrRequested(json));
        }
        return Legacy.read(annotations);
    }

    /**
     * Parses the annotation's value. Anything unreadable still means somebody started a drain, so it
     * reads as requested (the pod never goes back to serving by accident) rather than failing.
     */
    static DrainRecord parseOrRequested(String json) {
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            return requested(DrainReason.ScaleDown, null);
        }
    }

    /**
     * Parses the annotation's value.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static DrainRecord parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(ANNOTATION + " is not JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(ANNOTATION + " must be a JSON object, got: " + abbreviate(json));
        }
        JsonNode version = node.get("version");
        if (version == null || !version.canConvertToInt() || version.asInt() < 1) {
            throw new IllegalArgumentException(ANNOTATION + " needs a positive integer version, got: " + version);
        }
        DrainState state = named(DrainState.class, node.path("state").asText(null))
                .orElseThrow(() -> new IllegalArgumentException(ANNOTATION + ": unknown state " + node.get("state")));
        DrainReason reason =
                named(DrainReason.class, node.path("reason").asText(null)).orElse(DrainReason.ScaleDown);
        List<String> targets = new ArrayList<>();
        node.path("targets").forEach(t -> {
            if (t.isTextual() && !t.asText().isBlank()) {
                targets.add(t.asText());
            }
        });
        JsonNode c = node.path("countersAtStart");
        Counters counters = new Counters(
                c.path("requested").asLong(0),
                c.path("completed").asLong(0),
                c.path("failed").asLong(0),
                c.path("handedOff").asLong(0));
        return new DrainRecord(
                state,
                reason,
                instant(node.path("requestedAt").asText(null)).orElse(null),
                instant(node.path("startedAt").asText(null)).orElse(null),
                targets,
                Math.max(0, node.path("sessionsAtStart").asLong(0)),
                counters,
                node.path("announced").asBoolean(false));
    }

    /** The annotation's value. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("version", VERSION);
        node.put("state", state.name());
        node.put("reason", reason.name());
        if (requestedAt != null) {
            node.put("requestedAt", requestedAt.toString());
        }
        if (startedAt != null) {
            node.put("startedAt", startedAt.toString());
        }
        ArrayNode t = node.putArray("targets");
        targets.forEach(t::add);
        node.put("sessionsAtStart", sessionsAtStart);
        ObjectNode c = node.putObject("countersAtStart");
        c.put("requested", countersAtStart.requested());
        c.put("completed", countersAtStart.completed());
        c.put("failed", countersAtStart.failed());
        c.put("handedOff", countersAtStart.handedOff());
        node.put("announced", announced);
        return node.toString();
    }

    /**
     * The annotations a JSON merge patch sets to write this record: the record, and null for each
     * annotation of the one-per-field form so a pod an older operator marked carries only this one.
     */
    public Map<String, String> patchAnnotations() {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ANNOTATION, toJson());
        Legacy.KEYS.forEach(k -> annotations.put(k, null));
        return annotations;
    }

    private static <E extends Enum<E>> Optional<E> named(Class<E> type, String name) {
        return Arrays.stream(type.getEnumConstants())
                .filter(e -> e.name().equals(name))
                .findFirst();
    }

    private static Optional<Instant> instant(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /**
     * The one-annotation-per-field form: {@code ferry.dev/drain-state} (Requested, Draining, Drained),
     * {@code -reason}, {@code -started-at}, {@code -targets} (comma-separated), {@code -sessions} and
     * {@code -counters} ({@code requested,completed,failed,handedOff}; handedOff may be missing).
     */
    static final class Legacy {
        static final String STATE = "ferry.dev/drain-state";
        static final String STARTED_AT = "ferry.dev/drain-started-at";
        static final String REASON = "ferry.dev/drain-reason";
        static final String TARGETS = "ferry.dev/drain-targets";
        static final String SESSIONS = "ferry.dev/drain-sessions";
        static final String COUNTERS = "ferry.dev/drain-counters";
        static final List<String> KEYS = List.of(STATE, STARTED_AT, REASON, TARGETS, SESSIONS, COUNTERS);

        private Legacy() {}

        static Optional<DrainRecord> read(Map<String, String> annotations) {
            String value = annotations.get(STATE);
            if (value == null) {
                return Optional.empty();
            }
            // An unknown value still means somebody started a drain: requested, never serving.
            DrainState state = named(DrainState.class, value).orElse(DrainState.Requested);
            DrainReason reason =
                    named(DrainReason.class, annotations.get(REASON)).orElse(DrainReason.ScaleDown);
            String targets = annotations.getOrDefault(TARGETS, "");
            List<String> targetList = targets.isBlank()
                    ? List.of()
                    : Arrays.stream(targets.split(","))
                            .map(String::strip)
                            .filter(s -> !s.isEmpty())
                            .toList();
            return Optional.of(new DrainRecord(
                    state,
                    reason,
                    null,
                    instant(annotations.get(STARTED_AT)).orElse(null),
                    targetList,
                    Math.max(0, number(annotations.get(SESSIONS))),
                    counters(annotations.get(COUNTERS)),
                    false));
        }

        private static Counters counters(String csv) {
            if (csv == null) {
                return Counters.ZERO;
            }
            String[] parts = csv.split(",");
            long[] v = new long[4];
            for (int i = 0; i < v.length && i < parts.length; i++) {
                v[i] = number(parts[i].strip());
            }
            return new Counters(v[0], v[1], v[2], v[3]);
        }

        private static long number(String s) {
            try {
                return s == null ? 0 : Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
