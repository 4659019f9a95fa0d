package dev.ferry.server;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A small application for SDK tests: {@code ROWS n delayMs} streams n rows with checkpoints,
 * {@code HOLD} / {@code RELEASE} hold migration, {@code SET v} / {@code GET} keep a context value.
 */
final class CountingHandler implements SessionHandler {
    private final java.util.Map<Session, Session.MigrationHold> holds = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void onCommand(Session session, Request request) throws InterruptedException {
        String[] w = request.command().split(" ");
        switch (w[0]) {
            case "ROWS" -> rows(request, 0, Long.parseLong(w[1]), w.length > 2 ? Long.parseLong(w[2]) : 0);
            case "SET" -> {
                session.context().putString("v", w[1]);
                request.row("OK");
                request.done();
            }
            case "GET" -> {
                String v = session.context().getString("v");
                if (v != null) request.row(v);
                request.done();
            }
            case "HOLD" -> {
                holds.put(session, session.holdMigration());
                request.done();
            }
            case "RELEASE" -> {
                holds.remove(session).close();
                request.done();
            }
            case "FORGET" -> request.row("no done");
            case "THROW" -> throw new IllegalStateException("boom");
            default -> request.fail("unknown " + w[0]);
        }
    }

    @Override
    public void onMigrateResume(Session session, Request request) throws InterruptedException {
        ByteBuffer c = ByteBuffer.wrap(request.cursor());
        rows(request, c.getLong(), c.getLong(), c.getLong());
    }

    static void rows(Request request, long from, long n, long delayMs) throws InterruptedException {
        for (long i = from; i < n; i++) {
            if (request.shouldYield()) {
                request.suspend(ByteBuffer.allocate(24)
                        .putLong(i)
                        .putLong(n)
                        .putLong(delayMs)
                        .array());
                return;
            }
            if (delayMs > 0) request.pause(Duration.ofMillis(delayMs));
            if (request.isCancelled()) return;
            if (request.shouldYield()) {
                request.suspend(ByteBuffer.allocate(24)
                        .putLong(i)
                        .putLong(n)
                        .putLong(delayMs)
                        .array());
                return;
            }
            if (!request.row(Long.toString(i))) return;
        }
        request.done();
    }
}
