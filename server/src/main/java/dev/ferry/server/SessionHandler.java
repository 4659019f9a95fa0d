package dev.ferry.server;

/**
 * The application's side of the session lifecycle. The SDK calls these off the Netty event loop,
 * on virtual threads (except commands the handler declares {@link #isNonBlocking non-blocking});
 * calls for one session never overlap, except {@link #onAttention}, which runs while the cancelled
 * command may still be running.
 */
public interface SessionHandler {

    /** A new session; the client already has its session ID and token. */
    default void onConnect(Session session) {}

    /** Runs one command. Stream rows through {@code request} and end with a final DONE. */
    void onCommand(Session session, Request request) throws Exception;

    /**
     * Whether {@link #onCommand} for {@code command} answers at once, without blocking: no I/O, no
     * lock held for long, no {@link Request#pause}, a few rows at most. Such a command runs on the
     * connection's I/O thread when nothing else of its session runs or waits, which saves handing it
     * to a thread of its own and back: for small commands that hand-off costs more than the command.
     * Otherwise, and always when the server saves every command's effects (write-through, which waits
     * for the store), it runs on a virtual thread like any other, in its turn.
     *
     * <p>The I/O thread serves many connections, and blocking it stalls them all; so wherever such a
     * command runs, its rows do not wait for a slow client (they are buffered) and
     * {@link Request#pause} throws. Called on the I/O thread for every command, so keep it cheap; the
     * default, false, runs every command on a virtual thread.
     */
    default boolean isNonBlocking(String command) {
        return false;
    }

    /**
     * The client cancelled {@code request}. The SDK has already sent the attention DONE and drops
     * anything the command sends after it; stop the work if it is still running.
     */
    default void onAttention(Session session, Request request) {}

    /** Called on every migration state change of the session, in order. */
    default void onMigrateState(Session session, MigrationState from, MigrationState to) {}

    /** The session arrived on this server by migration, with its context restored. */
    default void onResume(Session session) {}

    /**
     * Continues a request that another server suspended at a checkpoint (or this one, if the
     * migration failed or was cancelled after the handler suspended). Must end with a final DONE;
     * if it does not, the SDK sends one and logs it.
     */
    void onMigrateResume(Session session, Request request) throws Exception;

    /**
     * The connection ended. {@code state} tells whether the session lives on elsewhere
     * ({@link MigrationState#READY}/{@link MigrationState#MIGRATING}: its shared context is kept)
     * or ended here (any other state: its context is deleted).
     */
    default void onDisconnect(Session session, MigrationState state) {}
}
