package dev.ferry.server;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The application a fuzzer drives: {@code ROWS n} streams n rows with a checkpoint before each,
 * where {@link #beforeRow} lets the test act mid-command (request a migration, send an attention);
 * {@code SET v} / {@code GET} keep a context value (so a lost context shows); {@code HOLD} /
 * {@code RELEASE} hold migration; {@code THROW}, {@code FORGET} (no final DONE) and {@code CLOSE}
 * misbehave in the ways an application may.
 *
 * <p>It also notices a request resumed over and over: a suspend/resume loop inside the SDK spins
 * in one session task that never returns, which would hang a regression run instead of failing it.
 */
final class ScriptedHandler implements SessionHandler {
    /** Far above what the steps of one input can cause (each resume needs a migration or a cancel). */
    private static final int MAX_RESUMES_PER_REQUEST = 1_000;

    private final Map<Session, Session.MigrationHold> holds = new HashMap<>();
    private final BiConsumer<Session, Request> beforeRow;
    private final Map<String, Integer> resumes = new HashMap<>();
    private String runaway;

    ScriptedHandler(BiConsumer<Session, Request> beforeRow) {
        this.beforeRow = beforeRow;
    }

    @Override
    public void onCommand(Session session, Request request) {
        String[] w = request.command().split(" ");
        switch (w[0]) {
            case "ROWS" -> rows(session, request, 0, Long.parseLong(w[1]));
            case "SET" -> {
                session.context().putString("v", w[1]);
                request.done();
            }
            case "GET" -> {
                String v = session.context().getString("v");
                if (v != null) request.row(v);
                request.done();
            }
            case "HOLD" -> {
                holds.computeIfAbsent(session, s -> s.holdMigration());
                request.done();
            }
            case "RELEASE" -> {
                Session.MigrationHold hold = holds.remove(session);
                if (hold == null) request.fail("no hold to release");
                else {
                    hold.close();
                    request.done();
                }
            }
            case "THROW" -> throw new IllegalStateException("scripted failure");
            case "FORGET" -> request.row("no final DONE from the handler");
            case "CLOSE" -> session.close("scripted close");
            default -> request.fail("unknown command " + w[0]);
        }
    }

    /**
     * Everything but ROWS (it calls the test back between rows) and CLOSE: so the fuzzers also play
     * commands that run on the channel's event loop when their session is idle.
     */
    @Override
    public boolean isNonBlocking(String command) {
        return !command.startsWith("ROWS") && !command.startsWith("CLOSE");
    }

    @Override
    public void onMigrateResume(Session session, Request request) {
        int times = resumes.merge(session.id() + "/" + request.id(), 1, Integer::sum);
        if (times > MAX_RESUMES_PER_REQUEST) {
            runaway = "request " + request.id() + " of session " + session.id() + " was resumed " + times
                    + " times: the SDK suspends and resumes it in a loop";
            // Ends the loop (the SDK fails the request); the target reports the runaway after the step.
            throw new IllegalStateException(runaway);
        }
        ByteBuffer cursor = ByteBuffer.wrap(request.cursor());
        rows(session, request, cursor.getLong(), cursor.getLong());
    }

    @Override
    public void onDisconnect(Session session, MigrationState state) {
        Session.MigrationHold hold = holds.remove(session);
        if (hold != null) hold.close();
    }

    /** What ran away (a request resumed in a loop), or null. */
    String runaway() {
        return runaway;
    }

    private void rows(Session session, Request request, long from, long n) {
        for (long i = from; i < n; i++) {
            if (request.shouldYield()) {
                request.suspend(ByteBuffer.allocate(16).putLong(i).putLong(n).array());
                return;
            }
            beforeRow.accept(session, request);
            if (request.isCancelled()) return;
            if (request.shouldYield()) {
                request.suspend(ByteBuffer.allocate(16).putLong(i).putLong(n).array());
                return;
            }
            if (!request.row(Long.toString(i))) return;
        }
        request.done();
    }
}
