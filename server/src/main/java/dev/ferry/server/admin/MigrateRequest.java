package dev.ferry.server.admin;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.SessionId;
import java.util.List;
import java.util.Set;

/**
 * Body of {@code POST /v1/migrate}: either {@code count} sessions (any that are not already
 * migrating; a rebalance) or the listed {@code sessions}, to {@code targets}.
 *
 * @param count    how many sessions, or 0 when {@code sessions} is given
 * @param sessions the named sessions, or empty when {@code count} is given
 */
record MigrateRequest(int count, List<SessionId> sessions, List<String> targets) {
    static final String EXAMPLE = "{\"count\":100,\"targets\":[\"10.0.0.2:7000\"]} or "
            + "{\"sessions\":[\"0123456789abcdef0123456789abcdef\"],\"targets\":[\"10.0.0.2:7000\"]}";
    /** Bounds one request's work; the body limit bounds it too (a listed ID takes 35 bytes). */
    static final int MAX_SESSIONS = 10_000;

    static final int MAX_COUNT = 1_000_000;

    boolean byCount() {
        return sessions.isEmpty();
    }

    static MigrateRequest parse(AdminRequest request) throws AdminException {
        JsonBody body = JsonBody.parse(request, Set.of("count", "sessions", "targets"), EXAMPLE);
        boolean hasCount = body.has("count");
        boolean hasSessions = body.has("sessions");
        if (hasCount == hasSessions) {
            throw AdminException.badRequest((hasCount
                            ? "fields 'count' and 'sessions' were both given"
                            : "neither field 'count' nor 'sessions' was given")
                    + "; give exactly one of them, e.g. " + EXAMPLE);
        }
        List<String> targets = body.stringList("targets", 1, Frame.Migrate.MAX_TARGETS, TargetAddress::check);
        if (hasCount) {
            return new MigrateRequest(body.integer("count", 1, MAX_COUNT), List.of(), targets);
        }
        List<String> ids = body.stringList("sessions", 1, MAX_SESSIONS, MigrateRequest::checkSessionId);
        return new MigrateRequest(
                0, ids.stream().map(SessionId::parse).distinct().toList(), targets);
    }

    private static void checkSessionId(String field, String value) throws AdminException {
        try {
            SessionId.parse(value);
        } catch (IllegalArgumentException e) {
            String shown = value.length() <= 40 ? value : value.substring(0, 37) + "...";
            throw AdminException.badRequest("field '" + field + "' must be a session ID of 32 hex digits "
                    + "(as the client got it in WELCOME), got \"" + shown + "\"; e.g. " + EXAMPLE);
        }
    }
}
