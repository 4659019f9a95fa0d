package dev.ferry.server;

import dev.ferry.store.ExportedContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-through for one session ({@link ServerOptions#writeThrough()}): its context is saved in the
 * store when it starts and before each final DONE, so a DONE the client saw survives this server;
 * and once another server has taken the session over, it ends here. What is saved is a
 * {@link SavedCopy}, guarded by the session's lock, like its lifecycle.
 */
final class WriteThrough {
    private static final Logger log = LoggerFactory.getLogger(WriteThrough.class);

    private final ServerRuntime rt;
    private final ServerSession session;
    private final byte[] tokenHash;
    private SavedCopy saved = SavedCopy.NONE;

    WriteThrough(ServerRuntime rt, ServerSession session, byte[] tokenHash) {
        this.rt = rt;
        this.session = session;
        this.tokenHash = tokenHash;
    }

    boolean enabled() {
        return rt.options.writeThrough();
    }

    /**
     * Saves the context now, on the calling thread (a session task or a handler, not the event
     * loop), at most the store timeout.
     *
     * @return false if another server has taken the session over: it ends here, nothing more is sent
     */
    boolean save() {
        if (!enabled()) return true;
        synchronized (session) {
            if (saved == SavedCopy.TAKEN_OVER) return false; // ended here already: no second save, no second GOODBYE
            if (!session.lifecycle().servesCommands())
                return true; // gone, or leaving by migration: the export is the record now
        }
        long started = System.nanoTime();
        Boolean ok;
        try {
            ok = rt.store
                    .save(
                            session.id(),
                            new ExportedContext(tokenHash, ContextCodec.encode(session.context(), null)),
                            rt.name(),
                            List.of(rt.cancelClaimant()),
                            rt.timers.saveTtl())
                    .get(rt.options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rt.metrics.saveFailures.increment();
            return true;
        } catch (Exception e) {
            // The command's result stands; the session is not crash-safe until the next good save.
            rt.metrics.saveFailures.increment();
            log.warn(
                    "session {}: write-through save to {} failed: {}",
                    session.id(),
                    rt.store.describe(),
                    rootMessage(e));
            return true;
        } finally {
            rt.metrics.saveTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        if (ok) {
            synchronized (session) {
                saved = saved.saved();
            }
            return true;
        }
        rt.metrics.savesRefused.increment();
        log.info("session {}: another server has taken the session over; ending it here", session.id());
        synchronized (session) {
            saved = SavedCopy.TAKEN_OVER; // the record is the other server's now: never delete it
        }
        session.endTakenOver();
        return false;
    }

    /**
     * The claim the session was resumed with was taken over before this server confirmed it:
     * another server resumed it for a client that never saw our WELCOME. It ends here, like a
     * session whose save is refused. A session that has since exported or been given back its
     * context itself rewrote the record, so a failed confirmation means nothing there.
     */
    void onClaimLost() {
        synchronized (session) {
            if (session.lifecycle() != SessionLifecycle.IDLE || saved == SavedCopy.TAKEN_OVER) return;
            saved = SavedCopy.TAKEN_OVER;
        }
        rt.metrics.claimsLost.increment();
        log.warn("session {}: its claim was taken over before this server confirmed it; ending it here", session.id());
        session.endTakenOver();
    }

    /** The client said GOODBYE(CLOSE): nothing of the session is kept. Caller holds the session's lock. */
    void endedByClient() {
        saved = saved.endedByClient();
    }

    /**
     * Whether this server's save goes when the connection closes (the caller keeps it if the session
     * has migrated: the record is the migration's then). Caller holds the session's lock.
     */
    boolean deletedAtClose() {
        return saved.deletedAtClose();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.toString();
    }
}
