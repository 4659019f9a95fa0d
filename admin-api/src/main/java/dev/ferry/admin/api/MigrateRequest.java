package dev.ferry.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Body of {@code POST /v1/migrate}, in one of two forms: {@code count} sessions (any that are not
 * migrating already: a rebalance), or the listed {@code sessions}; either way to {@code targets}.
 * Exactly one of {@code count} and {@code sessions} is set; the other is null and left out of the
 * JSON.
 *
 * @param count    how many sessions, or null when {@code sessions} is given
 * @param sessions session IDs (32 hex digits, as the client got them in WELCOME), or null when {@code count} is given
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrateRequest(Integer count, List<String> sessions, List<String> targets) {
    public static final String EXAMPLE = "{\"count\":100,\"targets\":[\"10.0.0.2:7000\"]} or "
            + "{\"sessions\":[\"0123456789abcdef0123456789abcdef\"],\"targets\":[\"10.0.0.2:7000\"]}";
    /** Bounds one request's work; the body limit bounds it too (a listed ID takes 35 bytes). */
    public static final int MAX_SESSIONS = 10_000;

    public static final int MAX_COUNT = 1_000_000;

    private static final Pattern SESSION_ID = Pattern.compile("[0-9A-Fa-f]{32}");

    /** @throws InvalidRequestException when the form is ambiguous or a field is out of bounds */
    public MigrateRequest {
        if ((count == null) == (sessions == null)) {
            throw new InvalidRequestException((count != null
                            ? "fields 'count' and 'sessions' were both given"
                            : "neither field 'count' nor 'sessions' was given")
                    + "; give exactly one of them, e.g. " + EXAMPLE);
        }
        targets = Fields.strings("targets", targets, 1, Limits.MAX_TARGETS, TargetAddress::check, EXAMPLE);
        if (count != null && (count < 1 || count > MAX_COUNT)) {
            throw Fields.wrong("count", Fields.wholeNumber(1, MAX_COUNT), "the number " + count, EXAMPLE);
        }
        if (sessions != null) {
            sessions = Fields.strings("sessions", sessions, 1, MAX_SESSIONS, MigrateRequest::checkSessionId, EXAMPLE);
        }
    }

    /** The count form: {@code count} sessions that are not migrating already. */
    public static MigrateRequest ofCount(int count, List<String> targets) {
        return new MigrateRequest(count, null, targets);
    }

    /** The list form: these sessions. */
    public static MigrateRequest ofSessions(List<String> sessions, List<String> targets) {
        return new MigrateRequest(null, sessions, targets);
    }

    public boolean byCount() {
        return count != null;
    }

    /** @throws InvalidRequestException saying what to fix */
    public static MigrateRequest fromJson(byte[] body) {
        RequestBody json = RequestBody.parse(body, EXAMPLE, "count", "sessions", "targets");
        Integer count = json.has("count") ? json.wholeNumber("count", 1, MAX_COUNT) : null;
        List<String> sessions = json.has("sessions") ? json.strings("sessions", 1, MAX_SESSIONS) : null;
        List<String> targets = json.strings("targets", 1, Limits.MAX_TARGETS);
        return new MigrateRequest(count, sessions, targets);
    }

    private static void checkSessionId(String field, String value) {
        if (!SESSION_ID.matcher(value).matches()) {
            throw new InvalidRequestException("field '" + field + "' must be a session ID of 32 hex digits "
                    + "(as the client got it in WELCOME), got \"" + Fields.abbreviate(value, 40) + "\"; e.g. "
                    + EXAMPLE);
        }
    }
}
