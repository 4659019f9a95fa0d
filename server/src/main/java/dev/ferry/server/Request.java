package dev.ferry.server;

import dev.ferry.protocol.Severity;
import java.time.Duration;

/**
 * One client command being answered. Results go out in call order: rows and messages, then
 * exactly one final DONE ({@link #done()} or {@link #fail(String)}). If a handler returns without
 * either, the SDK sends the final DONE itself and logs it.
 *
 * <p>Long handlers should call {@link #shouldYield()} between rows: when it returns true, a
 * migration is waiting; the handler saves where it is with {@link #suspend(byte[])} and returns,
 * and the server that resumes the session continues the request from that cursor in
 * {@link SessionHandler#onMigrateResume}.
 */
public interface Request {
    int id();

    /** The command text as the client sent it. */
    String command();

    /** The cursor the request was suspended with, on the server continuing it; null otherwise. */
    byte[] cursor();

    /** Number of rows sent so far for this request, by every server; the next row's seq. */
    long rowsSent();

    /**
     * Sends one row. Blocks while the client is not reading (back-pressure), except in a command the
     * handler declared {@linkplain SessionHandler#isNonBlocking non-blocking}: its rows are buffered.
     *
     * @return false if the row was not sent because the request has ended (cancelled, done)
     */
    boolean row(byte[] data);

    boolean row(String text);

    void message(Severity severity, String text);

    /** Sends the final DONE. @return false if the request had already ended */
    boolean done();

    /** Sends an error MESSAGE and a final DONE with the ERROR flag. */
    boolean fail(String errorText);

    /** Whether the client cancelled this request (ATTENTION). The final DONE is already sent. */
    boolean isCancelled();

    /** Whether a migration waits for this request to reach a checkpoint. */
    boolean shouldYield();

    /**
     * Stops the request here so the session can migrate; the target continues it from
     * {@code cursor}. @return false if the request has already ended (e.g. it was cancelled)
     */
    boolean suspend(byte[] cursor);

    /**
     * Waits up to {@code timeout} and returns early if the request is cancelled or a migration is
     * waiting. @return true if the full time passed
     *
     * @throws IllegalStateException in a command the handler declared
     *     {@linkplain SessionHandler#isNonBlocking non-blocking}
     */
    boolean pause(Duration timeout) throws InterruptedException;
}
