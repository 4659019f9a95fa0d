package dev.ferry.client;

import dev.ferry.protocol.SessionId;
import java.time.Duration;

/**
 * A session moved: it resumed on {@code toServer} at {@code toAddress}.
 *
 * @param pause   time from reading MIGRATE to receiving WELCOME(resumed)
 * @param connect the part of {@code pause} until the connection to the target that resumed the
 *                session was open (the rest is the RESUME's round trip: the target's claim in the
 *                store, its WELCOME)
 */
public record MigrationEvent(
        SessionId sessionId,
        int migrationId,
        String fromServer,
        String fromAddress,
        String toServer,
        String toAddress,
        Duration pause,
        Duration connect) {}
