package dev.ferry.server;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.EmbeddedFleet.Link;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client's view of an {@link EmbeddedFleet}: what it sent, and a check of every frame the
 * servers send against the promises of docs/protocol.md. A broken promise is an AssertionError.
 * <ul>
 *   <li>a command gets rows with seq 0, 1, … (continuing across a migration), then exactly one
 *       final DONE (or DEFERRED) whose rowCount counts them all; nothing of it follows;</li>
 *   <li>an ATTENTION DONE only for a request the client cancelled;</li>
 *   <li>a WELCOME answers a HELLO or RESUME once; a resumed session only with the token of its
 *       latest WELCOME and only while its context was handed out (MIGRATE, not cancelled) — or,
 *       with write-through, at any time, since every session's context is saved in the store
 *       (that is what lets a client whose server died, or whose connection broke, carry on);</li>
 *   <li>a value SET and acknowledged is what GET returns, wherever the session runs now;</li>
 *   <li>after ERROR or GOODBYE nothing; a protocol violation is answered with PROTOCOL_ERROR;</li>
 *   <li>at the end, every command on a live connection has its final answer or was carried
 *       away by a MIGRATE (with write-through: unless the session was resumed elsewhere since, and
 *       the client left that connection).</li>
 * </ul>
 */
final class SessionOracle {
    static final class Req {
        final String command;
        Link link;
        long nextSeq;
        boolean fin;
        boolean carried;
        boolean attentionSent;
        final List<String> rows = new ArrayList<>();

        Req(String command, Link link) {
            this.command = command;
            this.link = link;
        }
    }

    static final class Sess {
        final SessionId id;
        ResumeToken token;
        Link link;
        boolean handedOut;
        int migrationId;
        int carriedRequest;
        String value;
        int nextRequestId = 1;
        final Map<Integer, Req> requests = new LinkedHashMap<>();

        Sess(SessionId id, ResumeToken token, Link link) {
            this.id = id;
            this.token = token;
            this.link = link;
        }
    }

    /** Per connection: what the client sent first, and whether the server has ended it. */
    static final class Conn {
        Frame opening;
        Sess session;
        boolean ended;
        boolean goodbyeSent;
        ErrorCode expectedError;
        /**
         * Write-through only: the session was resumed on another connection, so the client has left
         * this one. The server here may not know yet (it learns at its next save) and may still answer
         * on it, from a context that is no longer the session's.
         */
        boolean abandoned;
    }

    final Map<SessionId, Sess> sessions = new LinkedHashMap<>();
    final Map<Link, Conn> conns = new IdentityHashMap<>();
    /** The servers save contexts on their own (write-through): a resume needs no migration first. */
    private final boolean writeThrough;

    long frames;

    SessionOracle() {
        this(false);
    }

    SessionOracle(boolean writeThrough) {
        this.writeThrough = writeThrough;
    }

    Conn conn(Link link) {
        return conns.computeIfAbsent(link, l -> new Conn());
    }

    // ------------------------------------------------------------------ what the client sends

    void sentOpening(Link link, Frame helloOrResume) {
        conn(link).opening = helloOrResume;
        if (helloOrResume instanceof Frame.Resume r && r.attentionRequestId() != 0) {
            Sess s = sessions.get(r.sessionId());
            Req q = s == null ? null : s.requests.get(r.attentionRequestId());
            if (q != null) q.attentionSent = true;
        }
    }

    void sentCommand(Link link, int id, String command) {
        Sess s = conn(link).session;
        s.requests.put(id, new Req(command, link));
    }

    void sentAttention(Link link, int id) {
        Req q = conn(link).session.requests.get(id);
        if (q != null) q.attentionSent = true;
    }

    /** The client broke the protocol: the server must answer with this ERROR and close. */
    void expectError(Link link, ErrorCode code) {
        conn(link).expectedError = code;
    }

    // ------------------------------------------------------------------ what the servers send

    void onFrame(Link link, Frame f) {
        frames++;
        Conn c = conn(link);
        check(!c.ended, () -> "a frame after the connection's ERROR or GOODBYE: " + f);
        switch (f) {
            case Frame.Welcome w -> welcome(link, c, w);
            case Frame.Error e -> {
                c.ended = true;
                check(e.requestId() == 0, () -> "a connection-level ERROR with requestId " + e.requestId() + ": " + e);
                check(!e.text().isBlank(), () -> "an ERROR without text: " + e);
                if (c.expectedError != null)
                    check(e.code() == c.expectedError, () -> "expected " + c.expectedError + " but got " + e);
            }
            case Frame.Goodbye g -> {
                c.ended = true;
                check(c.expectedError == null, () -> "GOODBYE instead of " + c.expectedError + ": " + g);
            }
            case Frame.Row r -> {
                Req q = live(c, link, r.requestId(), f);
                if (q == null) return;
                check(r.seq() == q.nextSeq, () -> "ROW seq " + r.seq() + " but " + q.nextSeq + " expected: " + f);
                q.nextSeq++;
                q.rows.add(new String(r.data(), java.nio.charset.StandardCharsets.UTF_8));
            }
            case Frame.Message m -> live(c, link, m.requestId(), f);
            case Frame.Done d -> {
                Req q = live(c, link, d.requestId(), f);
                if (q == null) return;
                if (DoneFlags.has(d.flags(), DoneFlags.ATTENTION))
                    check(q.attentionSent, () -> "an ATTENTION DONE nobody asked for: " + f);
                if (!d.isFinal()) return;
                check(
                        d.rowCount() == q.nextSeq,
                        () -> "final DONE rowCount " + d.rowCount() + " after " + q.nextSeq + " rows: " + f);
                q.fin = true;
                boolean ok = !DoneFlags.has(d.flags(), DoneFlags.ERROR)
                        && !DoneFlags.has(d.flags(), DoneFlags.ATTENTION)
                        && !c.abandoned;
                Sess s = c.session;
                if (ok && q.command.startsWith("SET ")) s.value = q.command.substring(4);
                if (ok && q.command.equals("GET")) {
                    check(
                            q.rows.equals(s.value == null ? List.of() : List.of(s.value)),
                            () -> "GET returned " + q.rows + " but the session's value is " + s.value);
                }
            }
            case Frame.Deferred d -> {
                Req q = live(c, link, d.requestId(), f);
                if (q != null) q.fin = true;
            }
            case Frame.Migrate m -> {
                Sess s = open(c, f);
                // A source that has not heard the client left (no GOODBYE yet) may repeat its MIGRATE on the
                // old connection; the client ignores frames there.
                if (s.link != link) return;
                check(!m.targets().isEmpty(), () -> "MIGRATE without targets");
                s.handedOut = true;
                s.migrationId = m.migrationId();
                s.carriedRequest = m.inBatchRequestId();
                if (m.inBatchRequestId() != 0) {
                    Req q = s.requests.get(m.inBatchRequestId());
                    check(
                            q != null && !q.fin && q.link == link,
                            () -> "MIGRATE carries request " + m.inBatchRequestId() + " that is not running here");
                    q.carried = true;
                }
            }
            case Frame.MigrateCancel mc -> {
                Sess s = open(c, f);
                // Like a repeated MIGRATE: a source that has not heard the client leave may cancel there,
                // and take the session back; the client ignores frames on a connection it left.
                if (s.link != link) return;
                check(
                        s.handedOut && mc.migrationId() == s.migrationId,
                        () -> "MIGRATE_CANCEL of migration " + mc.migrationId() + " but the session's context is "
                                + (s.handedOut ? "out for migration " + s.migrationId : "not out"));
                s.handedOut = false;
                Req q = s.requests.get(s.carriedRequest);
                if (q != null) q.carried = false; // the source runs it on
            }
            default -> throw new AssertionError("a server sent a client-to-server frame: " + f);
        }
    }

    private void welcome(Link link, Conn c, Frame.Welcome w) {
        check(
                c.session == null && c.opening != null,
                () -> "WELCOME " + (c.session != null ? "twice" : "without HELLO or RESUME"));
        switch (c.opening) {
            case Frame.Hello h -> {
                check(!w.resumed(), () -> "a HELLO answered with a resumed WELCOME");
                check(!sessions.containsKey(w.sessionId()), () -> "a new session reuses the id " + w.sessionId());
                Sess s = new Sess(w.sessionId(), w.resumeToken(), link);
                sessions.put(s.id, s);
                c.session = s;
            }
            case Frame.Resume r -> {
                check(
                        w.resumed() && w.sessionId().equals(r.sessionId()),
                        () -> "RESUME of " + r.sessionId() + " answered with " + w);
                Sess s = sessions.get(r.sessionId());
                check(s != null, () -> "resumed session " + r.sessionId() + ", which never existed");
                check(
                        s.token.equals(r.resumeToken()),
                        () -> "session " + s.id + " resumed with a token that is not its current one");
                check(
                        s.handedOut || writeThrough,
                        () -> "session " + s.id + " resumed while its context was not handed out");
                check(!w.resumeToken().equals(s.token), () -> "a resume did not rotate the token");
                s.token = w.resumeToken();
                s.handedOut = false;
                if (writeThrough && s.link != link) conn(s.link).abandoned = true;
                s.link = link;
                Req q = s.requests.get(s.carriedRequest);
                if (q != null && q.carried) {
                    q.carried = false;
                    q.link = link;
                }
                c.session = s;
            }
            default -> throw new AssertionError("opening frame " + c.opening);
        }
    }

    private Sess open(Conn c, Frame f) {
        check(c.session != null, () -> "a session frame before WELCOME: " + f);
        return c.session;
    }

    /**
     * The request a frame belongs to, checked; null for a frame the client ignores: one of a request
     * that moved away, sent on the connection the client left (a source that cancelled a migration
     * it did not know the client had finished runs the request on there).
     */
    private Req live(Conn c, Link link, int requestId, Frame f) {
        Sess s = open(c, f);
        Req q = s.requests.get(requestId);
        check(q != null, () -> "a frame for request " + requestId + ", which the client never sent: " + f);
        if (q.link != link && s.link != link) return null;
        check(!q.fin, () -> "a frame after the final answer of request " + requestId + " (" + q.command + "): " + f);
        check(!q.carried, () -> "a frame for request " + requestId + " after a MIGRATE carried it away: " + f);
        check(q.link == link, () -> "a frame for request " + requestId + " on a connection it does not run on: " + f);
        return q;
    }

    /** End of a sequence (everything settled): commands on live connections are all answered. */
    void checkSettled() {
        for (Map.Entry<Link, Conn> e : conns.entrySet()) {
            Link link = e.getKey();
            Conn c = e.getValue();
            if (c.expectedError != null)
                check(
                        c.ended && !link.isOpen(),
                        () -> "a protocol violation was not answered with " + c.expectedError + " and a close");
            if (!link.isOpen() || c.ended || c.session == null || c.abandoned) continue;
            for (Map.Entry<Integer, Req> r : c.session.requests.entrySet()) {
                Req q = r.getValue();
                if (q.link != link) continue;
                check(
                        q.fin || q.carried,
                        () -> "request " + r.getKey() + " (" + q.command + ") on a live connection has no final DONE");
            }
        }
    }

    /** The message is built only for a failure: checks run on every frame of every fuzz input. */
    static void check(boolean ok, java.util.function.Supplier<String> what) {
        if (!ok) throw new AssertionError(what.get());
    }

    /** Requests of a connection's session that the client may still cancel. */
    List<Integer> outstanding(Link link) {
        Sess s = conn(link).session;
        List<Integer> ids = new ArrayList<>();
        if (s != null)
            s.requests.forEach((id, q) -> {
                if (!q.fin && !q.carried && q.link == link) ids.add(id);
            });
        return ids;
    }

    Map<SessionId, Sess> sessionsView() {
        return new HashMap<>(sessions);
    }
}
