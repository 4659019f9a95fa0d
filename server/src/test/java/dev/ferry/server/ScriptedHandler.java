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
 */
final class ScriptedHandler implements SessionHandler {
    private final Map<Session, Session.MigrationHold> holds = new HashMap<>();
    private final BiConsumer<Session, Request> beforeRow;

    ScriptedHandler(BiConsumer<Session, Request> beforeRow) {
        this.beforeRow = beforeRow;
    }

    @Override
    public void onCommand(Session session, Request request) {
        String[] w = request.command().split(" ");
        switch (w[0]) {
            case "ROWS" -> rows(session, request, 0, Long.parseLong(w[1]));
            case "SET" -> { session.context().putString("v", w[1]); request.done(); }
            case "GET" -> { String v = session.context().getString("v"); if (v != null) request.row(v); request.done(); }
            case "HOLD" -> { holds.computeIfAbsent(session, s -> s.holdMigration()); request.done(); }
            case "RELEASE" -> {
                Session.MigrationHold hold = holds.remove(session);
                if (hold == null) request.fail("no hold to release");
                else { hold.close(); request.done(); }
            }
            case "THROW" -> throw new IllegalStateException("scripted failure");
            case "FORGET" -> request.row("no final DONE from the handler");
            case "CLOSE" -> session.close("scripted close");
            default -> request.fail("unknown command " + w[0]);
        }
    }

    @Override
    public void onMigrateResume(Session session, Request request) {
        ByteBuffer cursor = ByteBuffer.wrap(request.cursor());
        rows(session, request, cursor.getLong(), cursor.getLong());
    }

    @Override
    public void onDisconnect(Session session, MigrationState state) {
        Session.MigrationHold hold = holds.remove(session);
        if (hold != null) hold.close();
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
