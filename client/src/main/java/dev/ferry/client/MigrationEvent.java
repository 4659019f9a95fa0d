package dev.ferry.client;

import dev.ferry.protocol.SessionId;
import java.time.Duration;

/**
 * A session moved: it resumed on {@code toServer} at {@code toAddress}.
 *
 * @param pause time from reading MIGRATE to receiving WELCOME(resumed)
 */
public record MigrationEvent(
        SessionId sessionId,
        int migrationId,
        String fromServer,
        String fromAddress,
        String toServer,
        String toAddress,
        Duration pause) {}
