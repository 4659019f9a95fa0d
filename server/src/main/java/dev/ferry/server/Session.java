package dev.ferry.server;

import dev.ferry.protocol.SessionId;
import java.util.List;

/** A client session as its handlers see it. Methods may be called from any thread. */
public interface Session {
    SessionId id();

    /** The state that migrates with the session. Only touch it from this session's handlers. */
    SessionContext context();

    MigrationState migrationState();

    /** Whether the session came to this server by migration (rather than a HELLO). */
    boolean resumed();

    /**
     * When this session was last asked to migrate from this server, on {@link System#nanoTime()}'s
     * clock; 0 if it never was. Read in {@link SessionHandler#onMigrateState}, which may run a little
     * after the change it reports, it still tells when the migration started.
     */
    long migrationRequestedNanos();

    /**
     * Asks this session to migrate to one of {@code targets} ({@code host:port}); replaces an
     * earlier request that has not completed.
     */
    void requestMigration(List<String> targets);

    /** Calls off a migration the client has not started; @return whether it was called off */
    boolean cancelMigration();

    /**
     * Holds migration back (e.g. inside a transaction that cannot move) until the returned hold
     * is closed. Holds nest. A migration requested meanwhile waits, bounded by the idle
     * migration timer; if it is still held then, the migration FAILS and the session stays.
     */
    MigrationHold holdMigration();

    /** Ends the session from the server side with a GOODBYE. */
    void close(String reason);

    /** A hold on migration; closing it twice is harmless. */
    interface MigrationHold extends AutoCloseable {
        @Override
        void close();
    }
}
