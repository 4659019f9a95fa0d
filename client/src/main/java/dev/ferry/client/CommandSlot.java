package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Severity;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command a session has outstanding. A slot, not a queue: a session runs one command at a
 * time (docs/protocol.md), so a second submit is refused until the first has ended. The slot
 * writes the COMMAND, matches ROW, MESSAGE, DONE, DEFERRED and request ERROR frames to it, ends
 * its stream exactly once, and decides what becomes of it when the session moves: continued by
 * the target, re-sent there, ended locally as cancelled, or (after a lost server) not re-sent.
 *
 * <p>Event-loop state, like the rest of {@link SessionEngine}: every method runs on the session's
 * event loop.
 */
final class CommandSlot {
    private static final Logger log = LoggerFactory.getLogger(CommandSlot.class);

    private final ClientOptions options;
    private final ClientMetrics metrics;
    private final SessionState state;
    private Request current;

    CommandSlot(ClientOptions options, ClientMetrics metrics, SessionState state) {
        this.options = options;
        this.metrics = metrics;
        this.state = state;
    }

    /** The outstanding request, or null. */
    Request current() {
        return current;
    }

    /** Empties the slot and returns what was in it, for the caller to end. */
    Request take() {
        Request r = current;
        current = null;
        return r;
    }

    /** Ends the outstanding request, if any, with {@code failure}: the session is over. */
    void fail(FerryException failure) {
        Request r = take();
        if (r != null) r.stream.finish(r.nextSeq, false, false, failure);
    }

    void submit(Request r) {
        if (state.ended()) {
            r.stream.finish(
                    0, false, false, state.failure != null ? state.failure : new FerryException("session is closed"));
            return;
        }
        if (current != null) {
            r.stream.finish(0, false, false, new FerryException(current.describe() + " is still outstanding"));
            return;
        }
        current = r;
        // While moving, the command waits: the source would only defer it.
        if (state.phase == Phase.OPEN) send(r);
    }

    /** Writes the COMMAND to the connection the session lives on now. */
    private void send(Request r) {
        Channel ch = state.channel;
        r.writtenTo = ch;
        r.everSent = true;
        r.deferred = false;
        if (!options.readAhead()) ch.config().setAutoRead(true);
        ch.writeAndFlush(new Frame.Command(r.id, r.text)).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() && f.channel().isActive()) {
                // Channels do not close on a failed write (AUTO_CLOSE off): keep reading, so a MIGRATE
                // the server sent before closing is still seen. The read then ends the connection.
                log.debug(
                        "session {}: writing {} failed: {}",
                        state.sessionId,
                        r.describe(),
                        f.cause().toString());
                f.channel().config().setAutoRead(true);
            }
        });
    }

    // ---- frames about the request, from the connection the session lives on ----

    private Request currentFor(int requestId, String what) {
        Request r = current;
        if (r == null || r.id != requestId) {
            log.warn(
                    "session {}: {} for request {} which is not outstanding; ignored",
                    state.sessionId,
                    what,
                    Integer.toUnsignedString(requestId));
            return null;
        }
        return r;
    }

    void onRow(Frame.Row row) {
        Request r = currentFor(row.requestId(), "ROW");
        if (r == null) return;
        long seq = row.seq();
        if (seq < r.nextSeq) {
            // A server resent a row the user already has: drop it, but make it visible.
            metrics.duplicateRow();
            log.warn(
                    "session {}: duplicate row seq {} of {} (next expected {}); dropped",
                    state.sessionId,
                    seq,
                    r.describe(),
                    r.nextSeq);
            return;
        }
        if (seq > r.nextSeq) {
            metrics.seqGap();
            log.error(
                    "session {}: rows {}..{} of {} are missing (got seq {} from {})",
                    state.sessionId,
                    r.nextSeq,
                    seq - 1,
                    r.describe(),
                    seq,
                    state.serverAddress);
        }
        r.nextSeq = seq + 1;
        r.stream.addRow(new Row(seq, row.data()));
    }

    void onMessage(Frame.Message m) {
        Request r = currentFor(m.requestId(), "MESSAGE");
        if (r != null) r.stream.addMessage(new ServerMessage(m.severity(), m.text()));
    }

    void onDone(Frame.Done d) {
        Request r = currentFor(d.requestId(), "DONE");
        if (r == null || !d.isFinal()) return; // a DONE without FINAL only ends one result set
        current = null;
        if (d.isAttention()) {
            r.stream.finish(d.rowCount(), true, false, null);
        } else if (d.isError()) {
            r.stream.finish(d.rowCount(), false, true, new CommandFailedException(r.id, r.text, errorText(r)));
        } else {
            if (d.rowCount() != r.nextSeq) {
                log.warn(
                        "session {}: {} ended with rowCount {} but {} rows were seen",
                        state.sessionId,
                        r.describe(),
                        d.rowCount(),
                        r.nextSeq);
            }
            r.stream.finish(d.rowCount(), false, false, null);
        }
        updateAutoRead(state.channel);
    }

    private static String errorText(Request r) {
        List<String> texts = new ArrayList<>();
        for (ServerMessage m : r.stream.messagesSoFar()) if (m.severity() == Severity.ERROR) texts.add(m.text());
        return texts.isEmpty() ? "the server reported an error without a message" : String.join("; ", texts);
    }

    void onDeferred(Frame.Deferred d) {
        Request r = currentFor(d.requestId(), "DEFERRED");
        if (r == null) return;
        // The source did not run it and will not: it goes out again after the move (or the cancel).
        r.deferred = true;
        r.writtenTo = null;
        log.debug("session {}: {} deferred by {}", state.sessionId, r.describe(), state.serverAddress);
        if (r.stream.cancelRequested()) finishCancelledLocally(r);
    }

    /** An ERROR naming a request (requestId != 0): that request failed. */
    void onError(Frame.Error e) {
        Request r = currentFor(e.requestId(), "ERROR " + e.code());
        if (r == null) return;
        current = null;
        r.stream.finish(r.nextSeq, false, true, new CommandFailedException(r.id, r.text, e.text()));
        updateAutoRead(state.channel);
    }

    // ---- cancellation ----

    void cancel(ResultStream stream) {
        Request r = current;
        if (r == null || r.stream != stream) return; // already ended: nothing to cancel
        if (r.inBatch) return; // carried by the migration: the RESUME (or the cancel) handles it
        if (r.writtenTo == null || r.deferred) {
            finishCancelledLocally(r); // no server runs it
        } else if (r.writtenTo.isActive()) {
            r.writtenTo.writeAndFlush(new Frame.Attention(r.id));
        }
    }

    private void finishCancelledLocally(Request r) {
        if (current == r) current = null;
        r.stream.finish(r.nextSeq, true, false, null);
        if (state.channel != null) updateAutoRead(state.channel);
    }

    /** A non-read-ahead connection reads only while something is outstanding or a migration is going on. */
    void updateAutoRead(Channel ch) {
        if (options.readAhead() || ch == null) return;
        boolean want = current != null || state.phase != Phase.OPEN;
        if (ch.config().isAutoRead() != want) ch.config().setAutoRead(want);
    }

    // ---- moves ----

    /** A MIGRATE arrived: the request it names as in-batch (0: none) is continued by the target, never re-sent. */
    void markInBatch(int inBatchRequestId) {
        Request r = current;
        if (r != null) r.inBatch = r.id == inBatchRequestId && inBatchRequestId != 0;
        if (inBatchRequestId != 0 && (r == null || !r.inBatch)) {
            log.warn(
                    "session {}: MIGRATE names in-batch request {} which is not outstanding",
                    state.sessionId,
                    Integer.toUnsignedString(inBatchRequestId));
        }
    }

    /** The attentionRequestId for a RESUME about to be sent: the in-batch request if the user cancelled it, else 0. */
    int attentionForResume() {
        Request r = current;
        boolean attention = r != null && r.inBatch && r.stream.cancelRequested();
        if (r != null) r.attentionInResume = attention;
        return attention ? r.id : 0;
    }

    /**
     * After a resume from a lost server's save: takes out the request if it reached that server,
     * which may have run it. It is never re-sent (at most once); the caller ends it.
     */
    Request takeIfMayHaveRun() {
        Request r = current;
        if (r == null || r.writtenTo == null || r.deferred) return null;
        current = null;
        return r;
    }

    /**
     * The session has switched to {@code target} ({@link SessionState#channel} is it now): the
     * in-batch request goes on there; any other request the source did not run is sent there, or
     * ends cancelled if the user cancelled it meanwhile.
     */
    void continueOn(Channel target) {
        Request r = current;
        if (r == null) return;
        if (r.inBatch) {
            // The target continues it; an attention the RESUME did not carry goes to the target now.
            r.inBatch = false;
            r.writtenTo = target;
            if (r.stream.cancelRequested() && !r.attentionInResume) target.writeAndFlush(new Frame.Attention(r.id));
        } else if (r.stream.cancelRequested()) {
            finishCancelledLocally(r); // the source did not run it (the target holds the session), so nothing ran
        } else {
            // Deferred, written after MIGRATE, or submitted while moving: the source ran none of them.
            if (r.everSent) metrics.deferredResent();
            send(r);
        }
        r.attentionInResume = false;
    }

    /** MIGRATE_CANCEL: the session stays on its source ({@link SessionState#channel}), which owns the request again. */
    void stayOnSource() {
        Request r = current;
        if (r == null) return;
        if (r.inBatch) {
            r.inBatch = false;
            r.attentionInResume = false;
            if (r.stream.cancelRequested()) state.channel.writeAndFlush(new Frame.Attention(r.id));
        } else if (r.writtenTo == null || r.deferred) {
            if (r.stream.cancelRequested()) {
                finishCancelledLocally(r);
            } else {
                if (r.everSent) metrics.deferredResent();
                send(r);
            }
        }
        // Otherwise it reached the source after the cancel: the source runs it; wait for its DONE.
    }

    /** What the user can know about the outstanding request when the session ends; {@code moving}: a move is under way. */
    String outstandingNote(boolean moving) {
        Request r = current;
        if (r == null) return "";
        if (r.deferred || (moving && !r.inBatch)) {
            return "; " + r.describe() + " was not run (the source had handed the session off before it arrived)";
        }
        if (moving) return "; " + r.describe() + " was interrupted by the migration after " + r.nextSeq + " row(s)";
        return "; " + r.describe() + " may or may not have run";
    }
}
