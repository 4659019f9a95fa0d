package dev.ferry.conformance.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import dev.ferry.client.ResultStream;
import dev.ferry.client.ServerMessage;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conformance driver of the Java client (docs/conformance.md, "The driver protocol"): reads one JSON request per
 * line on stdin, answers one JSON object per line on stdout, in order; logs go to stderr. Each harness session is a
 * {@link FerryClient} of its own (the service address is a client option) with one {@link FerrySession}.
 */
public final class JavaDriver {
    private static final Logger log = LoggerFactory.getLogger(JavaDriver.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEFAULT_TIMEOUT_MS = 30_000;

    private final PrintStream out;
    private final Map<String, Open> sessions = new HashMap<>();
    private final Map<String, Pending> requests = new HashMap<>();

    private record Open(FerryClient client, FerrySession session) {}

    /** A request's answer so far: its rows, then one end marker. */
    private sealed interface Item {}

    private record RowItem(String text) implements Item {}

    private record EndItem(Result result, Throwable failure) implements Item {}

    /**
     * A started request. A virtual thread moves its rows from the client's stream into a queue, so reads can wait
     * with a timeout (the stream's own waits are bounded by the client's command timeout only).
     */
    private static final class Pending {
        final ResultStream stream;
        final LinkedBlockingDeque<Item> items = new LinkedBlockingDeque<>();

        Pending(ResultStream stream) {
            this.stream = stream;
            Thread.ofVirtual().name("driver-pump-" + stream.requestId()).start(this::pump);
        }

        private void pump() {
            try {
                while (stream.hasNext()) items.add(new RowItem(stream.next().text()));
                items.add(new EndItem(stream.await(), null));
            } catch (RuntimeException e) {
                items.add(new EndItem(null, e));
            }
        }
    }

    /** A failed request: answered {"ok":false,"error":{kind, message}}. */
    private static final class DriverError extends Exception {
        final String kind;

        DriverError(String kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    private JavaDriver(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        // Only answers go to stdout: anything else a library prints would break the protocol.
        PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        JavaDriver driver = new JavaDriver(answers);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            if (!driver.handle(line)) break;
        }
        driver.closeAll();
        System.exit(0);
    }

    /** @return false after quit */
    private boolean handle(String line) {
        ObjectNode answer = JSON.createObjectNode();
        JsonNode request;
        try {
            request = JSON.readTree(line);
        } catch (IOException e) {
            answer.putNull("id");
            fail(answer, new DriverError("BAD_REQUEST", "not JSON: " + e.getMessage()));
            out.println(answer);
            return true;
        }
        answer.set("id", request.path("id").isMissingNode() ? null : request.get("id"));
        String op = request.path("op").asText("");
        try {
            answer.put("ok", true);
            switch (op) {
                case "hello" -> {
                    answer.put("client", "java");
                    String v = FerryClient.class.getPackage().getImplementationVersion();
                    answer.put("version", v == null ? "dev" : v);
                }
                case "connect" -> connect(request, answer);
                case "execute" -> execute(request, answer);
                case "start" -> start(request);
                case "read" -> read(request, answer, false);
                case "finish" -> read(request, answer, true);
                case "cancel" -> pending(request).stream.cancel();
                case "status" -> status(session(request), answer);
                case "awaitMigrations" -> awaitMigrations(request, answer);
                case "close" -> close(request);
                case "quit" -> {
                    out.println(answer);
                    return false;
                }
                default -> throw new DriverError("BAD_REQUEST", "unknown op \"" + op + "\"");
            }
        } catch (DriverError e) {
            fail(answer, e);
        } catch (RuntimeException e) {
            DriverErrors.Kind k = DriverErrors.of(e);
            log.debug("{} failed", op, e);
            fail(answer, new DriverError(k.kind(), k.message()));
        }
        out.println(answer);
        return true;
    }

    private static void fail(ObjectNode answer, DriverError e) {
        answer.put("ok", false);
        // Keep only id and ok: fields of a half-built answer would mislead.
        answer.retain("id", "ok");
        ObjectNode error = answer.putObject("error");
        error.put("kind", e.kind);
        error.put("message", e.getMessage());
    }

    private void connect(JsonNode request, ObjectNode answer) throws DriverError {
        String name = required(request, "session");
        if (sessions.containsKey(name))
            throw new DriverError("BAD_REQUEST", "session " + name + " is already connected");
        String address = required(request, "address");
        long timeoutMs = request.path("timeoutMs").asLong(DEFAULT_TIMEOUT_MS);
        ClientOptions.Builder options = ClientOptions.builder()
                .serviceAddress(address)
                .readAhead(request.path("readAhead").asBoolean(true))
                .connectTimeout(Duration.ofMillis(timeoutMs))
                // The harness bounds every wait itself; the client must not cancel requests on its own.
                .commandTimeout(ClientOptions.NO_TIMEOUT)
                .eventLoopThreads(1);
        if (request.hasNonNull("clientName"))
            options.clientName(request.get("clientName").asText());
        JsonNode tls = request.path("tls");
        if (tls.isObject()) {
            ClientTlsOptions.Builder t = ClientTlsOptions.builder();
            if (tls.hasNonNull("caFile")) t.trustCaPem(Path.of(tls.get("caFile").asText()));
            if (tls.hasNonNull("serverName")) t.serverName(tls.get("serverName").asText());
            options.tls(t.build());
        }
        FerryClient client = FerryClient.create(options.build());
        FerrySession session;
        try {
            session = client.connect();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        sessions.put(name, new Open(client, session));
        answer.put("sessionId", session.sessionId().toString());
        answer.put("server", session.serverName());
    }

    private void execute(JsonNode request, ObjectNode answer) throws DriverError {
        FerrySession session = session(request);
        String command = required(request, "command");
        long timeoutMs = request.path("timeoutMs").asLong(DEFAULT_TIMEOUT_MS);
        Pending p = new Pending(session.submit(command));
        List<String> rows = new ArrayList<>();
        EndItem end = collect(p, rows, Integer.MAX_VALUE, true, timeoutMs);
        if (end == null) {
            p.stream.cancel();
            throw new DriverError(
                    "TIMEOUT", "'" + command + "' did not end within " + timeoutMs + " ms; ATTENTION sent");
        }
        Result r = outcome(end);
        answer.set("rows", strings(rows));
        answer.set("messages", messages(r.messages()));
        answer.put("rowCount", r.rowCount());
        answer.put("server", session.serverName());
    }

    private void start(JsonNode request) throws DriverError {
        FerrySession session = session(request);
        String name = required(request, "request");
        if (requests.containsKey(name) && !isEnded(requests.get(name))) {
            throw new DriverError("BAD_REQUEST", "request " + name + " is still running");
        }
        requests.put(name, new Pending(session.submit(required(request, "command"))));
    }

    private static boolean isEnded(Pending p) {
        return p.items.peekFirst() instanceof EndItem;
    }

    /** read (up to "rows" rows, at least one unless ended) or finish (everything). */
    private void read(JsonNode request, ObjectNode answer, boolean all) throws DriverError {
        Pending p = pending(request);
        long timeoutMs = request.path("timeoutMs").asLong(DEFAULT_TIMEOUT_MS);
        int max = all ? Integer.MAX_VALUE : request.path("rows").asInt(1);
        if (max < 1) throw new DriverError("BAD_REQUEST", "rows must be at least 1");
        List<String> rows = new ArrayList<>();
        EndItem end = collect(p, rows, max, all, timeoutMs);
        if (end == null) {
            if (rows.isEmpty()) throw new DriverError("TIMEOUT", "no row and no end within " + timeoutMs + " ms");
            if (all) {
                // Give the rows back: a later read or finish returns them.
                for (int i = rows.size() - 1; i >= 0; i--) p.items.addFirst(new RowItem(rows.get(i)));
                throw new DriverError("TIMEOUT", "the request did not end within " + timeoutMs + " ms");
            }
            answer.set("rows", strings(rows));
            answer.put("done", false);
            return;
        }
        // The end stays queued: every later read or finish of this request reports it again.
        p.items.addFirst(end);
        if (!succeeded(end) && !rows.isEmpty() && !all) {
            // A read returns these rows now and the failure at the next read; a finish answers the failure.
            answer.set("rows", strings(rows));
            answer.put("done", false);
            return;
        }
        Result r = outcome(end);
        answer.set("rows", strings(rows));
        answer.put("done", true);
        answer.put("rowCount", r.rowCount());
        answer.set("messages", messages(r.messages()));
    }

    private static boolean succeeded(EndItem end) {
        return end.failure() == null && !end.result().cancelled();
    }

    /**
     * Takes rows into {@code rows} (at most {@code max}); returns the end marker (taken out of the queue) once it is
     * reached, or null if the time ran out or {@code max} rows were taken with more to come. Waits for the first item
     * always, for later ones only when {@code untilEnd}.
     */
    private static EndItem collect(Pending p, List<String> rows, int max, boolean untilEnd, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (; ; ) {
            Item item;
            try {
                boolean wait = untilEnd || rows.isEmpty();
                long left = Math.max(0, deadline - System.nanoTime());
                item = wait ? p.items.pollFirst(left, TimeUnit.NANOSECONDS) : p.items.pollFirst();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (item == null) return null;
            if (item instanceof EndItem end) return end;
            rows.add(((RowItem) item).text());
            if (rows.size() >= max) {
                if (p.items.peekFirst() instanceof EndItem end) {
                    p.items.pollFirst();
                    return end;
                }
                return null;
            }
        }
    }

    /** The result of an ended request, or its failure as a driver error. */
    private static Result outcome(EndItem end) throws DriverError {
        if (end.failure() != null) {
            DriverErrors.Kind k = DriverErrors.of(end.failure());
            throw new DriverError(k.kind(), k.message());
        }
        if (end.result().cancelled()) throw new DriverError("CANCELLED", "the request was cancelled");
        return end.result();
    }

    private void status(FerrySession s, ObjectNode answer) {
        answer.put("sessionId", s.sessionId().toString());
        answer.put("server", s.serverName());
        answer.put("migrations", s.migrations());
        answer.put("open", s.isOpen());
    }

    private void awaitMigrations(JsonNode request, ObjectNode answer) throws DriverError {
        FerrySession s = session(request);
        int count = request.path("count").asInt(-1);
        if (count < 0) throw new DriverError("BAD_REQUEST", "count is required");
        long timeoutMs = request.path("timeoutMs").asLong(DEFAULT_TIMEOUT_MS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        // The client has a listener per migration, but a poll is enough here and cannot miss one that already happened.
        while (s.migrations() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new DriverError(
                        "TIMEOUT",
                        "session has " + s.migrations() + " migrations, not " + count + ", after " + timeoutMs + " ms"
                                + (s.isOpen() ? "" : " (the session has ended)"));
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverError("TIMEOUT", "interrupted");
            }
        }
        status(s, answer);
    }

    private void close(JsonNode request) throws DriverError {
        String name = required(request, "session");
        Open o = sessions.remove(name);
        if (o == null) throw new DriverError("BAD_REQUEST", "no session " + name);
        try {
            o.session().close();
        } finally {
            o.client().close();
        }
    }

    private void closeAll() {
        for (Open o : sessions.values()) {
            try {
                o.session().close();
                o.client().close();
            } catch (RuntimeException e) {
                log.debug("closing a session at quit failed", e);
            }
        }
        sessions.clear();
    }

    private FerrySession session(JsonNode request) throws DriverError {
        String name = required(request, "session");
        Open o = sessions.get(name);
        if (o == null) throw new DriverError("BAD_REQUEST", "no session " + name + " (connect it first)");
        return o.session();
    }

    private Pending pending(JsonNode request) throws DriverError {
        String name = required(request, "request");
        Pending p = requests.get(name);
        if (p == null) throw new DriverError("BAD_REQUEST", "no request " + name + " (start it first)");
        return p;
    }

    private static String required(JsonNode request, String field) throws DriverError {
        JsonNode v = request.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            throw new DriverError("BAD_REQUEST", "missing required field \"" + field + "\"");
        }
        return v.asText();
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static ArrayNode messages(List<ServerMessage> messages) {
        ArrayNode a = JSON.createArrayNode();
        for (ServerMessage m : messages) {
            ObjectNode o = a.addObject();
            o.put("severity", m.severity().name().toLowerCase(Locale.ROOT));
            o.put("text", m.text());
        }
        return a;
    }
}
