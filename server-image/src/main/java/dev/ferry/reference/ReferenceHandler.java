package dev.ferry.reference;

import dev.ferry.server.MigrationState;
import dev.ferry.server.Request;
import dev.ferry.server.Session;
import dev.ferry.server.SessionContext;
import dev.ferry.server.SessionHandler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The reference server's commands: small, but each one walks a different path of the SDK.
 *
 * <pre>
 * PING                 → PONG
 * ECHO text            → text
 * SET k v / GET k      → session variables (they travel with the session)
 * INCR k               → the incremented value
 * BEGIN, COMMIT,       → a transaction buffer; an open transaction holds migration back
 * ROLLBACK
 * STREAM n [delayMs]   → rows "0".."n-1"; migrates in-batch at any row
 * SLEEP ms             → waits; cancellable by ATTENTION; migrates in-batch with the time left
 * WHOAMI               → pod=&lt;server name&gt; session=&lt;id&gt;
 * VERSION              → the server's version (FERRY_SERVER_VERSION; tells a rolling upgrade's old and new pods apart)
 * </pre>
 */
public final class ReferenceHandler implements SessionHandler {
    static final String USAGE =
            "known commands: PING, ECHO text, SET key value, GET key, INCR key, BEGIN, COMMIT, ROLLBACK, "
                    + "STREAM count [delayMs], SLEEP ms, WHOAMI, VERSION";
    /** Compiled once: String.split with this pattern compiles it on every command, a tenth of a small command's cost. */
    private static final Pattern WORDS = Pattern.compile("\\s+");

    private static final String VAR = "var:";
    private static final String TX = "tx:";
    private static final long MAX_STREAM = 100_000_000L;
    private static final long MAX_SLEEP_MS = 3_600_000L;

    private final String serverName;
    private final String version;
    /** Open transactions hold migration; the hold is a local resource, so it lives here, not in the context. */
    private final Map<Session, Session.MigrationHold> transactions = new ConcurrentHashMap<>();

    public ReferenceHandler(String serverName) {
        this(serverName, "dev");
    }

    public ReferenceHandler(String serverName, String version) {
        this.serverName = serverName;
        this.version = version;
    }

    @Override
    public void onCommand(Session session, Request request) throws InterruptedException {
        String[] words = WORDS.split(request.command().trim(), 3);
        String verb = words[0].toUpperCase(Locale.ROOT);
        SessionContext ctx = session.context();
        switch (verb) {
            case "PING" -> reply(request, "PONG");
            case "ECHO" ->
                reply(
                        request,
                        request.command().trim().length() > 4
                                ? request.command().trim().substring(5)
                                : "");
            case "WHOAMI" -> reply(request, "pod=" + serverName + " session=" + session.id());
            case "VERSION" -> reply(request, version);
            case "SET" -> {
                if (words.length < 3) {
                    request.fail("ERR usage: SET key value");
                    return;
                }
                write(session, words[1], words[2]);
                reply(request, "OK");
            }
            case "GET" -> {
                if (words.length != 2) {
                    request.fail("ERR usage: GET key");
                    return;
                }
                String v = read(session, words[1]);
                if (v != null) request.row(v);
                request.done();
            }
            case "INCR" -> {
                if (words.length != 2) {
                    request.fail("ERR usage: INCR key");
                    return;
                }
                String v = read(session, words[1]);
                long n;
                try {
                    n = v == null ? 0 : Long.parseLong(v);
                } catch (NumberFormatException e) {
                    request.fail("ERR value of '" + words[1] + "' is not an integer");
                    return;
                }
                write(session, words[1], Long.toString(n + 1));
                reply(request, Long.toString(n + 1));
            }
            case "BEGIN" -> {
                if (transactions.containsKey(session)) {
                    request.fail("ERR a transaction is already open");
                    return;
                }
                transactions.put(session, session.holdMigration());
                ctx.putString(TX + "open", "1");
                reply(request, "OK");
            }
            case "COMMIT" -> {
                if (!endTransaction(session)) {
                    request.fail("ERR no transaction is open");
                    return;
                }
                for (String key : new ArrayList<>(ctx.keys())) {
                    if (key.startsWith(TX + VAR)) {
                        ctx.putString(key.substring(TX.length()), ctx.getString(key));
                    }
                }
                ctx.removePrefix(TX);
                reply(request, "OK");
            }
            case "ROLLBACK" -> {
                if (!endTransaction(session)) {
                    request.fail("ERR no transaction is open");
                    return;
                }
                ctx.removePrefix(TX);
                reply(request, "OK");
            }
            case "STREAM" -> {
                String[] args = WORDS.split(request.command().trim());
                long count = args.length >= 2 && args.length <= 3 ? number(args[1], MAX_STREAM) : -1;
                long delay = args.length == 3 ? number(args[2], 60_000) : 0;
                if (count < 0 || delay < 0) {
                    request.fail("ERR usage: STREAM count(0.." + MAX_STREAM + ") [delayMs(0..60000)]");
                    return;
                }
                stream(request, 0, count, delay);
            }
            case "SLEEP" -> {
                String[] args = WORDS.split(request.command().trim());
                long ms = args.length == 2 ? number(args[1], MAX_SLEEP_MS) : -1;
                if (ms < 0) {
                    request.fail("ERR usage: SLEEP ms(0.." + MAX_SLEEP_MS + ")");
                    return;
                }
                sleep(request, ms);
            }
            default -> request.fail("ERR unknown command '" + words[0] + "'; " + USAGE);
        }
    }

    /**
     * Every command but STREAM (its rows wait for the client, and it paces with pause) and SLEEP
     * answers at once from the session's own variables: it runs on the connection's I/O thread.
     */
    @Override
    public boolean isNonBlocking(String command) {
        return !startsWithWord(command, "STREAM") && !startsWithWord(command, "SLEEP");
    }

    /**
     * Whether {@code command}'s first word is {@code word}, ignoring case; without a regex, as this runs
     * before every command (also for handlers that wrap this one and add commands of their own).
     */
    public static boolean startsWithWord(String command, String word) {
        int start = 0;
        while (start < command.length() && Character.isWhitespace(command.charAt(start))) start++;
        int end = start + word.length();
        return command.regionMatches(true, start, word, 0, word.length())
                && (end == command.length() || Character.isWhitespace(command.charAt(end)));
    }

    @Override
    public void onMigrateResume(Session session, Request request) throws InterruptedException {
        ByteBuffer cursor = ByteBuffer.wrap(request.cursor());
        String verb = WORDS.split(request.command().trim(), 2)[0].toUpperCase(Locale.ROOT);
        switch (verb) {
            case "STREAM" -> stream(request, cursor.getLong(), cursor.getLong(), cursor.getLong());
            case "SLEEP" -> sleep(request, cursor.getLong());
            default -> request.fail("ERR cannot continue '" + verb + "' after a migration");
        }
    }

    @Override
    public void onDisconnect(Session session, MigrationState state) {
        endTransaction(session);
    }

    private static void stream(Request request, long next, long count, long delayMs) throws InterruptedException {
        for (long i = next; i < count; i++) {
            if (request.shouldYield()) {
                request.suspend(ByteBuffer.allocate(24)
                        .putLong(i)
                        .putLong(count)
                        .putLong(delayMs)
                        .array());
                return;
            }
            if (delayMs > 0 && i > next) {
                request.pause(Duration.ofMillis(delayMs));
                if (request.isCancelled()) return;
                if (request.shouldYield()) {
                    request.suspend(ByteBuffer.allocate(24)
                            .putLong(i)
                            .putLong(count)
                            .putLong(delayMs)
                            .array());
                    return;
                }
            }
            if (!request.row(Long.toString(i))) return; // cancelled or the client is gone
        }
        request.done();
    }

    private static void sleep(Request request, long ms) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofMillis(ms).toNanos();
        for (; ; ) {
            long left = until - System.nanoTime();
            if (left <= 0 || request.pause(Duration.ofNanos(left))) break;
            if (request.isCancelled()) return;
            if (request.shouldYield()) {
                long leftMs =
                        Math.max(0, Duration.ofNanos(until - System.nanoTime()).toMillis());
                request.suspend(ByteBuffer.allocate(8).putLong(leftMs).array());
                return;
            }
        }
        reply(request, "OK");
    }

    private boolean endTransaction(Session session) {
        Session.MigrationHold hold = transactions.remove(session);
        if (hold == null) return false;
        hold.close();
        return true;
    }

    /** Inside a transaction writes go to the buffer; reads see the buffer first. */
    private static void write(Session session, String key, String value) {
        SessionContext ctx = session.context();
        ctx.putString((ctx.contains(TX + "open") ? TX + VAR : VAR) + key, value);
    }

    private static String read(Session session, String key) {
        SessionContext ctx = session.context();
        if (ctx.contains(TX + "open") && ctx.contains(TX + VAR + key)) return ctx.getString(TX + VAR + key);
        return ctx.getString(VAR + key);
    }

    private static void reply(Request request, String row) {
        request.row(row);
        request.done();
    }

    /** Parses a number in 0..max; anything else is -1. */
    private static long number(String word, long max) {
        try {
            long v = Long.parseLong(word);
            return v < 0 || v > max ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
