package dev.ferry.server;

import static dev.ferry.server.SessionLifecycle.CANCELLED;
import static dev.ferry.server.SessionLifecycle.CANCELLING;
import static dev.ferry.server.SessionLifecycle.CLOSED_CANCELLED;
import static dev.ferry.server.SessionLifecycle.CLOSED_FAILED;
import static dev.ferry.server.SessionLifecycle.CLOSED_IDLE;
import static dev.ferry.server.SessionLifecycle.CLOSED_MIGRATING;
import static dev.ferry.server.SessionLifecycle.CLOSED_REQUESTED;
import static dev.ferry.server.SessionLifecycle.FAILED;
import static dev.ferry.server.SessionLifecycle.IDLE;
import static dev.ferry.server.SessionLifecycle.MIGRATING;
import static dev.ferry.server.SessionLifecycle.READY;
import static dev.ferry.server.SessionLifecycle.REQUESTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.SessionLifecycle.Event;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The session lifecycle's transition table, whole: every allowed move, and every other one refused. */
class SessionLifecycleTest {

    /** Every allowed move; any (state, event) pair not listed here must be refused. */
    private static final Map<SessionLifecycle, Map<Event, SessionLifecycle>> ALLOWED =
            new EnumMap<>(SessionLifecycle.class);

    static {
        allow(IDLE, Event.REQUEST, REQUESTED);
        allow(IDLE, Event.CLOSED, CLOSED_IDLE);

        allow(REQUESTED, Event.REQUEST, REQUESTED);
        allow(REQUESTED, Event.CANCEL, CANCELLED);
        allow(REQUESTED, Event.EXPORTED, READY);
        allow(REQUESTED, Event.EXPORT_FAILED, FAILED);
        allow(REQUESTED, Event.REQUEST_TIMED_OUT, FAILED);
        allow(REQUESTED, Event.CLOSED, CLOSED_REQUESTED);

        allow(READY, Event.REQUEST, READY);
        allow(READY, Event.CANCEL, CANCELLING);
        allow(READY, Event.HANDED_OFF, MIGRATING);
        allow(READY, Event.CLIENT_MOVED, MIGRATING);
        allow(READY, Event.EXPIRED, FAILED);
        allow(READY, Event.CLOSED, CLOSED_MIGRATING);

        allow(CANCELLING, Event.TAKEN_BACK, CANCELLED);
        allow(CANCELLING, Event.NOT_TAKEN_BACK, READY);
        allow(CANCELLING, Event.CLIENT_MOVED, MIGRATING);
        allow(CANCELLING, Event.CLOSED, CLOSED_MIGRATING);

        allow(MIGRATING, Event.TAKEN_BACK, MIGRATING);
        allow(MIGRATING, Event.NOT_TAKEN_BACK, MIGRATING);
        allow(MIGRATING, Event.CLOSED, CLOSED_MIGRATING);

        allow(CANCELLED, Event.REQUEST, REQUESTED);
        allow(CANCELLED, Event.CLOSED, CLOSED_CANCELLED);

        allow(FAILED, Event.REQUEST, REQUESTED);
        allow(FAILED, Event.CLOSED, CLOSED_FAILED);

        allow(CLOSED_REQUESTED, Event.CANCEL, CLOSED_CANCELLED);
        allow(CLOSED_REQUESTED, Event.EXPORT_FAILED, CLOSED_FAILED);

        allow(CLOSED_MIGRATING, Event.TAKEN_BACK, CLOSED_MIGRATING);
        allow(CLOSED_MIGRATING, Event.NOT_TAKEN_BACK, CLOSED_MIGRATING);
    }

    private static void allow(SessionLifecycle from, Event event, SessionLifecycle to) {
        ALLOWED.computeIfAbsent(from, f -> new EnumMap<>(Event.class)).put(event, to);
    }

    @Test
    void everyAllowedMoveLeadsWhereTheTableSays() {
        ALLOWED.forEach((from, moves) -> moves.forEach((event, to) ->
                assertThat(from.next(event)).as("%s on %s", from, event).isEqualTo(to)));
    }

    @Test
    void everyOtherEventIsRefused() {
        for (SessionLifecycle from : SessionLifecycle.values()) {
            for (Event event : Event.values()) {
                if (ALLOWED.getOrDefault(from, Map.of()).containsKey(event)) continue;
                assertThat(from.next(event))
                        .as("%s on %s must be refused", from, event)
                        .isNull();
            }
        }
    }

    @Test
    void aSessionLeavingOrBeingCalledOffTakesNoNewRequest() {
        for (SessionLifecycle s : EnumSet.of(
                CANCELLING,
                MIGRATING,
                CLOSED_IDLE,
                CLOSED_REQUESTED,
                CLOSED_MIGRATING,
                CLOSED_CANCELLED,
                CLOSED_FAILED)) {
            assertThat(s.next(Event.REQUEST)).as("%s on REQUEST", s).isNull();
        }
    }

    @Test
    void handlersSeeTheStatesTheyAlwaysSaw() {
        Map<SessionLifecycle, MigrationState> shown = new EnumMap<>(Map.ofEntries(
                Map.entry(IDLE, MigrationState.NONE), Map.entry(REQUESTED, MigrationState.REQUESTED),
                Map.entry(READY, MigrationState.READY), Map.entry(CANCELLING, MigrationState.READY),
                Map.entry(MIGRATING, MigrationState.MIGRATING), Map.entry(CANCELLED, MigrationState.CANCELLED),
                Map.entry(FAILED, MigrationState.FAILED), Map.entry(CLOSED_IDLE, MigrationState.NONE),
                Map.entry(CLOSED_REQUESTED, MigrationState.REQUESTED),
                        Map.entry(CLOSED_MIGRATING, MigrationState.MIGRATING),
                Map.entry(CLOSED_CANCELLED, MigrationState.CANCELLED),
                        Map.entry(CLOSED_FAILED, MigrationState.FAILED)));
        for (SessionLifecycle s : SessionLifecycle.values()) {
            assertThat(s.shown()).as("%s shown", s).isEqualTo(shown.get(s));
            assertThat(s.closed()).as("%s closed", s).isEqualTo(s.name().startsWith("CLOSED_"));
            assertThat(s.servesCommands())
                    .as("%s serves commands", s)
                    .isEqualTo(!s.closed() && s.shown().servesCommands());
        }
    }

    @Test
    void aClosedSessionStaysClosedAndIsNeverReady() {
        for (SessionLifecycle s : SessionLifecycle.values()) {
            for (Event event : Event.values()) {
                SessionLifecycle next = s.next(event);
                if (next == null) continue;
                if (s.closed())
                    assertThat(next.closed()).as("%s on %s", s, event).isTrue();
                if (next.closed())
                    assertThat(next.shown()).as("%s on %s", s, event).isNotEqualTo(MigrationState.READY);
            }
        }
    }

    @Test
    void everyStateIsReachedFromANewSession() {
        Set<SessionLifecycle> seen = EnumSet.of(IDLE);
        ArrayDeque<SessionLifecycle> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            SessionLifecycle s = todo.poll();
            for (Event event : Event.values()) {
                SessionLifecycle next = s.next(event);
                if (next != null && seen.add(next)) todo.add(next);
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(SessionLifecycle.values());
    }

    @Test
    void theMigrationStatesHandlersSeeMoveOnlyAlongTheDocumentedArrows() {
        // NONE → REQUESTED → READY → MIGRATING, or → CANCELLED / FAILED (and from those a new request).
        Map<MigrationState, Set<MigrationState>> arrows = new EnumMap<>(MigrationState.class);
        arrows.put(MigrationState.NONE, EnumSet.of(MigrationState.REQUESTED));
        arrows.put(
                MigrationState.REQUESTED,
                EnumSet.of(MigrationState.READY, MigrationState.CANCELLED, MigrationState.FAILED));
        arrows.put(
                MigrationState.READY,
                EnumSet.of(MigrationState.MIGRATING, MigrationState.CANCELLED, MigrationState.FAILED));
        arrows.put(MigrationState.MIGRATING, EnumSet.noneOf(MigrationState.class));
        arrows.put(MigrationState.CANCELLED, EnumSet.of(MigrationState.REQUESTED));
        arrows.put(MigrationState.FAILED, EnumSet.of(MigrationState.REQUESTED));
        for (SessionLifecycle s : SessionLifecycle.values()) {
            for (Event event : Event.values()) {
                SessionLifecycle next = s.next(event);
                if (next == null || next.shown() == s.shown()) continue;
                assertThat(arrows.get(s.shown())).as("%s on %s", s, event).contains(next.shown());
            }
        }
    }
}
