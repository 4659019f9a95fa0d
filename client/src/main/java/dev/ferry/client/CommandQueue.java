package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Severity;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands a session has outstanding, in request order (docs/protocol.md, "Pipelining"). The
 * queue writes each COMMAND as soon as it may, matches ROW, MESSAGE, DONE, DEFERRED and request
 * ERROR frames to their request by id, ends each stream exactly once, and decides what becomes of
 * every request when the session moves: continued by the target (the in-batch one), re-sent there
 * in request order, ended locally as cancelled, or (after a lost server) not re-sent.
 *
 * <p>After MIGRATE_CANCEL the queue sends <em>one request at a time</em> ({@link #afterCancel}):
 * a request written to the source before the cancel was read may still come back DEFERRED, and
 * whatever the queue wrote behind it meanwhile would run ahead of its re-send. It goes back to
 * pipelining once a request written since the cancel has run (a ROW or a non-attention DONE for
 * it): the source's deferral barrier is down then, and stays down until the next MIGRATE.
 *
 * <p>Event-loop state, like the rest of {@link SessionEngine}: every method runs on the session's
 * event loop.
 */
final class CommandQueue {
    private static final Logger log = LoggerFactory.getLogger(CommandQueue.class);

    private final ClientOptions options;
    private final ClientMetrics metrics;
    private final SessionState state;
    /** By request id, in request order (ids increase, so insertion order is request order). */
    private final LinkedHashMap<Integer, Request> requests = new LinkedHashMap<>();
    /** Since MIGRATE_CANCEL, until a request written since then has run: one request in flight at a time. */
    private boolean afterCancel;
    /** The connection a flush is queued for on the event loop (null: none), so COMMANDs written meanwhile share it. */
    private Channel flushQueuedFor;

    CommandQueue(ClientOptions options, ClientMetrics metrics, SessionState state) {
        this.options = options;
        this.metrics = metrics;
        this.state = state;
    }

    /** How many requests are outstanding. */
    int size() {
        return requests.size();
    }

    /** The outstanding request {@code stream} belongs to, or null if it has ended. */
    Request find(ResultStream stream) {
        Request r = requests.get(stream.requestId());
        return r != null && r.stream == stream ? r : null;
    }

    /** The oldest outstanding request, or null. */
    Request first() {
        return requests.isEmpty() ? null : requests.values().iterator().next();
    }

    /** Empties the queue and returns what was in it, in request order, for the caller to end. */
    List<Request> takeAll() {
        List<Request> all = new ArrayList<>(requests.values());
        requests.clear();
        return all;
    }

    /** Ends every outstanding request with {@code failure}: the session is over. */
    void fail(FerryException failure) {
        for (Request r : takeAll()) r.stream.finish(r.nextSeq, false, false, failure);
    }

    void submit(Request r) {
        if (state.ended()) {
            r.stream.finish(
                    0, false, false, state.failure != null ? state.failure : new FerryException("session is closed"));
            return;
        }
        if (requests.putIfAbsent(r.id, r) != null) {
            // FerrySession's ids increase; 2^32 requests later one could meet a request still outstanding.
            r.stream.finish(
                    0, false, false, new FerryException(r.describe() + ": its request id is still outstanding"));
            return;
        }
        if (state.phase != Phase.OPEN) return; // while moving it waits: the source would only defer it
        if (afterCancel) sendPending();
        else send(r);
    }

    /**
     * Writes what may be written now, in request order. Pipelining: every request not yet written
     * (or deferred). After a cancel: the first of them, and only when no request written to the
     * source is still unanswered.
     */
    private void sendPending() {
        if (state.phase != Phase.OPEN) return;
        List<Request> cancelled = new ArrayList<>();
        for (Request r : requests.values()) {
            if (r.carried) continue; // the server continues it without a COMMAND of ours
            boolean waiting = r.writtenTo == null || r.deferred;
            if (!waiting) {
                if (afterCancel) break; // it may still come back DEFERRED: nothing may overtake it
                continue;
            }
            if (r.stream.cancelRequested()) {
                cancelled.add(r); // no server runs it: it ends here
                continue;
            }
            if (r.everSent) metrics.deferredResent();
            send(r);
            if (afterCancel) {
                r.probe = true;
                break;
            }
        }
        for (Request r : cancelled) finishCancelledLocally(r);
    }

    /** Writes the COMMAND to the connection the session lives on now. */
    private void send(Request r) {
        Channel ch = state.channel;
        r.writtenTo = ch;
        r.everSent = true;
        r.deferred = false;
        if (!options.readAhead() && !ch.config().isAutoRead()) ch.config().setAutoRead(true);
        ch.write(new Frame.Command(r.id, r.text)).addListener((ChannelFuture f) -> {
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
        flushSoon(ch);
    }

    /**
     * Flushes once the event loop has run the tasks already queued: pipelined submits that arrive
     * together (each its own task) go out in one write to the socket instead of one each.
     */
    private void flushSoon(Channel ch) {
        if (flushQueuedFor == ch) return;
        flushQueuedFor = ch;
        ch.eventLoop().execute(() -> {
            if (flushQueuedFor == ch) flushQueuedFor = null;
            ch.flush();
        });
    }

    // ---- frames about a request, from the connection the session lives on ----

    private Request outstanding(int requestId, String what) {
        Request r = requests.get(requestId);
        if (r == null) {
            log.warn(
                    "session {}: {} for request {} which is not outstanding; ignored",
                    state.sessionId,
                    what,
                    Integer.toUnsignedString(requestId));
        }
        return r;
    }

    /** A request written since MIGRATE_CANCEL ran: the source's deferral barrier is down, pipelining resumes. */
    private void ran(Request r) {
        // A carried request runs whatever the barrier says (it is no COMMAND of ours): it proves nothing.
        if (!afterCancel || !r.probe || r.carried) return;
        afterCancel = false;
        for (Request q : requests.values()) q.probe = false;
        sendPending();
    }

    void onRow(Frame.Row row) {
        Request r = outstanding(row.requestId(), "ROW");
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
        ran(r);
    }

    void onMessage(Frame.Message m) {
        Request r = outstanding(m.requestId(), "MESSAGE");
        if (r != null) r.stream.addMessage(new ServerMessage(m.severity(), m.text()));
    }

    void onDone(Frame.Done d) {
        Request r = outstanding(d.requestId(), "DONE");
        if (r == null || !d.isFinal()) return; // a DONE without FINAL only ends one result set
        requests.remove(r.id);
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
        if (!d.isAttention()) ran(r);
        if (afterCancel) sendPending();
        updateAutoRead(state.channel);
    }

    private static String errorText(Request r) {
        List<String> texts = new ArrayList<>();
        for (ServerMessage m : r.stream.messagesSoFar()) if (m.severity() == Severity.ERROR) texts.add(m.text());
        return texts.isEmpty() ? "the server reported an error without a message" : String.join("; ", texts);
    }

    void onDeferred(Frame.Deferred d) {
        Request r = outstanding(d.requestId(), "DEFERRED");
        if (r == null) return;
        // The source did not run it and will not: it goes out again after the move (or the cancel).
        r.deferred = true;
        r.probe = false;
        log.debug("session {}: {} deferred by {}", state.sessionId, r.describe(), state.serverAddress);
        if (r.stream.cancelRequested()) finishCancelledLocally(r);
        if (state.phase == Phase.OPEN) {
            // Deferred with no migration under way: after a cancel (or a server deferring on its own), so
            // re-send in order, one at a time, until one runs.
            afterCancel = true;
            sendPending();
        }
    }

    /** An ERROR naming a request (requestId != 0): that request failed. */
    void onError(Frame.Error e) {
        Request r = outstanding(e.requestId(), "ERROR " + e.code());
        if (r == null) return;
        requests.remove(r.id);
        r.stream.finish(r.nextSeq, false, true, new CommandFailedException(r.id, r.text, e.text()));
        if (afterCancel) sendPending();
        updateAutoRead(state.channel);
    }

    // ---- cancellation ----

    void cancel(ResultStream stream) {
        Request r = find(stream);
        if (r == null) return; // already ended: nothing to cancel
        if (r.inBatch) return; // carried by the migration: the RESUME (or the cancel) handles it
        if (r.writtenTo == null || r.deferred) {
            finishCancelledLocally(r); // no server runs it
        } else if (r.writtenTo.isActive()) {
            r.writtenTo.writeAndFlush(new Frame.Attention(r.id));
        }
    }

    private void finishCancelledLocally(Request r) {
        requests.remove(r.id, r);
        r.stream.finish(r.nextSeq, true, false, null);
        if (state.channel != null) updateAutoRead(state.channel);
    }

    /** A non-read-ahead connection reads only while something is outstanding or a migration is going on. */
    void updateAutoRead(Channel ch) {
        if (options.readAhead() || ch == null) return;
        boolean want = !requests.isEmpty() || state.phase != Phase.OPEN;
        if (ch.config().isAutoRead() != want) ch.config().setAutoRead(want);
    }

    // ---- moves ----

    /** A MIGRATE arrived: the request it names as in-batch (0: none) is continued by the target, never re-sent. */
    void markInBatch(int inBatchRequestId) {
        Request named = inBatchRequestId == 0 ? null : requests.get(inBatchRequestId);
        for (Request r : requests.values()) r.inBatch = r == named;
        // Sent as a probe after an earlier cancel, it is now continued by a server, not run from a COMMAND.
        if (named != null) named.probe = false;
        if (inBatchRequestId != 0 && named == null) {
            log.warn(
                    "session {}: MIGRATE names in-batch request {} which is not outstanding",
                    state.sessionId,
                    Integer.toUnsignedString(inBatchRequestId));
        }
    }

    private Request inBatch() {
        for (Request r : requests.values()) if (r.inBatch) return r;
        return null;
    }

    /** The attentionRequestId for a RESUME about to be sent: the in-batch request if the user cancelled it, else 0. */
    int attentionForResume() {
        Request r = inBatch();
        boolean attention = r != null && r.stream.cancelRequested();
        if (r != null) r.attentionInResume = attention;
        return attention ? r.id : 0;
    }

    /**
     * After a resume from a lost server's save: takes out, in request order, the requests that
     * reached that server and may have run there. They are never re-sent (at most once); the caller
     * ends them.
     */
    List<Request> takeMayHaveRun() {
        List<Request> taken = new ArrayList<>();
        for (Iterator<Request> it = requests.values().iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.writtenTo != null && !r.deferred) {
                taken.add(r);
                it.remove();
            }
        }
        return taken;
    }

    /**
     * The session has switched to {@code target} ({@link SessionState#channel} is it now): the
     * in-batch request goes on there; every other request the source did not run is sent there in
     * request order, or ends cancelled if the user cancelled it meanwhile.
     */
    void continueOn(Channel target) {
        afterCancel = false; // the target has no barrier: it never deferred anything of ours
        for (Request r : requests.values()) {
            r.probe = false;
            r.carried = false;
            if (r.inBatch) {
                // The target continues it; an attention the RESUME did not carry goes to the target now.
                r.inBatch = false;
                r.carried = true;
                r.writtenTo = target;
                if (r.stream.cancelRequested() && !r.attentionInResume) target.writeAndFlush(new Frame.Attention(r.id));
            } else {
                // Deferred, written after MIGRATE, or submitted while moving: the source ran none of them
                // (the target's claim proves it), so each goes to the target.
                r.writtenTo = null;
                r.deferred = false;
            }
            r.attentionInResume = false;
        }
        sendPending();
    }

    /** MIGRATE_CANCEL: the session stays on its source ({@link SessionState#channel}), which owns the requests again. */
    void stayOnSource() {
        Request inBatch = inBatch();
        if (inBatch != null) {
            // The source continues it itself, ahead of anything re-sent.
            inBatch.inBatch = false;
            inBatch.attentionInResume = false;
            inBatch.carried = true;
            if (inBatch.stream.cancelRequested()) state.channel.writeAndFlush(new Frame.Attention(inBatch.id));
        }
        // A request written before the cancel with no answer yet may have reached the source after the
        // cancel (then it runs) or before (then its DEFERRED is on the way): wait for its answer, in order.
        afterCancel = true;
        sendPending();
    }

    /** What the user can know about the outstanding requests when the session ends; {@code moving}: a move is under way. */
    String outstandingNote(boolean moving) {
        Request r = first();
        if (r == null) return "";
        String more = requests.size() == 1 ? "" : " (and " + (requests.size() - 1) + " later request(s))";
        if (r.deferred || r.writtenTo == null || (moving && !r.inBatch)) {
            return "; " + r.describe() + " was not run (the source had handed the session off before it arrived)"
                    + more;
        }
        if (moving)
            return "; " + r.describe() + " was interrupted by the migration after " + r.nextSeq + " row(s)" + more;
        return "; " + r.describe() + " may or may not have run" + more;
    }
}
