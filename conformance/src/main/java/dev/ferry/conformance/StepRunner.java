package dev.ferry.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a scenario's steps, in order, against one fleet and one driver, and checks each step's expectations.
 * The first step whose expectation does not hold ends the scenario with a {@link ScenarioFailure} naming the step.
 * Waits for state are polls with an explicit bound, never a fixed sleep (only the "pause" step sleeps, because
 * time passing is what it asks for).
 */
final class StepRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StepRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Default bound on a wait for state the scenario caused, sized for a loaded 2-core machine (testkit's Waits). */
    static final Duration STATE = dev.ferry.testkit.Waits.STATE;
    /** What the harness adds to a driver request's own timeout before it calls the driver hung. */
    private static final Duration DRIVER_MARGIN = Duration.ofSeconds(15);

    private static final Duration POLL = Duration.ofMillis(25);
    private static final Set<String> DRIVER_OPS = Set.of(
            "hello", "connect", "execute", "start", "read", "finish", "cancel", "status", "awaitMigrations", "close");
    /** Keys of a step that are the harness's, not the driver's. */
    private static final Set<String> NOT_FOR_DRIVER = Set.of("do", "note", "expect", "save", "server");

    private static final Set<String> TIMED_OPS = Set.of("connect", "execute", "read", "finish", "awaitMigrations");

    private final Fleet fleet;
    private final DriverProcess driver;
    private final Variables vars = new Variables();
    private final AdminHttp admin = new AdminHttp();
    private final Map<String, List<String>> rowsByRequest = new HashMap<>();
    private final Map<String, RawConnection> raw = new HashMap<>();
    /** Raw connections whose last frame taken was a ROW not yet counted in ${CONN.rows}. */
    private final Set<String> pendingRow = new java.util.HashSet<>();

    StepRunner(Fleet fleet, DriverProcess driver) {
        this.fleet = fleet;
        this.driver = driver;
        for (int i = 0; i < fleet.size(); i++) {
            ReferenceServerProcess s = fleet.server(i);
            vars.put("s" + i + ".name", s.name());
            vars.put("s" + i + ".address", s.address());
            vars.put("s" + i + ".admin", s.admin());
        }
    }

    void run(Scenario.Step step) {
        try {
            if (DRIVER_OPS.contains(step.kind())) driverStep(step);
            else {
                switch (step.kind()) {
                    case "drain", "migrate", "cancelDrain", "admin" -> adminStep(step);
                    case "awaitStatus" -> awaitStatus(step);
                    case "kill" ->
                        fleet.server(step.body().get("server").asInt()).kill();
                    case "stopStore" -> fleet.redis().stop();
                    case "startStore" -> fleet.redis().start();
                    case "pause" -> pause(step.body().get("ms").asLong());
                    case "storeKey" -> storeKey(step);
                    case "raw" -> rawStep(step);
                    default -> throw new ScenarioFailure("no runner for step kind " + step.kind());
                }
            }
        } catch (ScenarioFailure e) {
            String note =
                    step.body().has("note") ? " [" + step.body().get("note").asText() + "]" : "";
            throw new ScenarioFailure(step.describe() + note + ": " + e.getMessage(), e.getCause());
        }
    }

    // ---- driver requests ----------------------------------------------------------------------

    private void driverStep(Scenario.Step step) {
        ObjectNode body = step.body();
        ObjectNode request = JSON.createObjectNode();
        request.put("op", step.kind());
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!NOT_FOR_DRIVER.contains(e.getKey())) request.set(e.getKey(), vars.substituteAll(e.getValue(), false));
        }
        if (body.has("server"))
            request.put("address", fleet.server(body.get("server").asInt()).address());
        if (TIMED_OPS.contains(step.kind()) && !request.has("timeoutMs")) request.put("timeoutMs", STATE.toMillis());
        if (step.kind().equals("read") && !request.has("rows")) request.put("rows", 1_000_000);
        Duration wait = Duration.ofMillis(request.path("timeoutMs").asLong(STATE.toMillis()))
                .plus(DRIVER_MARGIN);
        ObjectNode answer = driver.request(request, wait);
        log.debug("driver {} -> {}", request, answer);
        String requestName = request.path("request").asText(null);
        if (requestName != null && answer.has("rows")) {
            List<String> all = rowsByRequest.computeIfAbsent(requestName, k -> new ArrayList<>());
            answer.get("rows").forEach(r -> all.add(r.asText()));
        }
        checkAnswer(body.path("expect"), answer, requestName, request);
        save(body.path("save"), answer);
    }

    private void checkAnswer(JsonNode expect, ObjectNode answer, String requestName, ObjectNode request) {
        boolean wantOk = expect.has("error") ? false : expect.path("ok").asBoolean(true);
        boolean ok = answer.get("ok").asBoolean();
        String context = " (request " + request + ", answer " + answer + ")";
        if (ok != wantOk) {
            throw new ScenarioFailure((wantOk ? "expected ok, got an error" : "expected an error, got ok") + context);
        }
        if (expect.has("error")) {
            String kind = answer.path("error").path("kind").asText();
            List<String> accepted = new ArrayList<>();
            if (expect.get("error").isArray()) expect.get("error").forEach(k -> accepted.add(k.asText()));
            else accepted.add(expect.get("error").asText());
            if (!accepted.contains(kind))
                throw new ScenarioFailure("expected error kind " + accepted + ", got " + kind + context);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = expect.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode want = e.getValue();
            switch (field) {
                case "ok", "error" -> {
                    // checked above
                }
                case "errorMessage" -> {
                    String message = answer.path("error").path("message").asText();
                    if (!Pattern.compile(vars.substituteRegex(want.asText()))
                            .matcher(message)
                            .find()) {
                        throw new ScenarioFailure("error message does not contain /" + want.asText() + "/" + context);
                    }
                }
                case "rowsSeq" -> expectRows("rows", sequence(want.asInt()), rows(answer.path("rows")), context);
                case "allRowsSeq" ->
                    expectRows("all rows of " + requestName, sequence(want.asInt()), allRows(requestName), context);
                case "allRowsPrefix" -> {
                    List<String> all = allRows(requestName);
                    if (want.asBoolean() && !all.equals(sequence(all.size()))) {
                        throw new ScenarioFailure("rows of " + requestName
                                + " are not 0..k-1 in order (a gap, a repeat or" + " a reordering): " + all + context);
                    }
                }
                default -> {
                    if (!answer.has(field))
                        throw new ScenarioFailure("answer has no field \"" + field + "\"" + context);
                    if (!matches(want, answer.get(field))) {
                        throw new ScenarioFailure(
                                "field \"" + field + "\": expected " + want + ", got " + answer.get(field) + context);
                    }
                }
            }
        }
    }

    private List<String> allRows(String requestName) {
        if (requestName == null) throw new ScenarioFailure("allRowsSeq/allRowsPrefix need a step with a \"request\"");
        return rowsByRequest.getOrDefault(requestName, List.of());
    }

    private static void expectRows(String what, List<String> want, List<String> got, String context) {
        if (!want.equals(got)) {
            throw new ScenarioFailure(what + ": expected " + abbreviate(want) + ", got " + abbreviate(got) + context);
        }
    }

    private static String abbreviate(List<String> rows) {
        if (rows.size() <= 12) return rows.toString();
        return "[" + String.join(", ", rows.subList(0, 5)) + ", ... (" + rows.size() + " rows) ..., "
                + String.join(", ", rows.subList(rows.size() - 5, rows.size())) + "]";
    }

    private static List<String> sequence(int n) {
        List<String> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) l.add(Integer.toString(i));
        return l;
    }

    private static List<String> rows(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(r -> l.add(r.asText()));
        return l;
    }

    /** Strings are regular expressions matched against the whole value; numbers by value; the rest exactly. */
    private boolean matches(JsonNode want, JsonNode got) {
        if (want.isTextual()) {
            String text = got.isTextual() ? got.asText() : got.toString();
            return Pattern.compile(vars.substituteRegex(want.asText()))
                    .matcher(text)
                    .matches();
        }
        if (want.isNumber()) return got.isNumber() && got.decimalValue().compareTo(want.decimalValue()) == 0;
        if (want.isObject() && got.isNumber() && (want.has("min") || want.has("max"))) {
            // A range, for values that depend on timing (a deadline, a TTL counting down).
            boolean above = !want.has("min")
                    || got.decimalValue().compareTo(want.get("min").decimalValue()) >= 0;
            boolean below = !want.has("max")
                    || got.decimalValue().compareTo(want.get("max").decimalValue()) <= 0;
            return above && below;
        }
        if (want.isArray()) {
            if (!got.isArray() || got.size() != want.size()) return false;
            for (int i = 0; i < want.size(); i++) if (!matches(want.get(i), got.get(i))) return false;
            return true;
        }
        if (want.isObject()) {
            if (!got.isObject()) return false;
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!got.has(e.getKey()) || !matches(e.getValue(), got.get(e.getKey()))) return false;
            }
            return true;
        }
        return want.equals(got);
    }

    private void save(JsonNode save, JsonNode from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = save.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getValue().asText();
            JsonNode v = field.startsWith("/") ? from.at(field) : from.get(field);
            if (v == null || v.isMissingNode() || v.isNull()) {
                throw new ScenarioFailure("cannot save ${" + e.getKey() + "}: no field " + field + " in " + from);
            }
            vars.put(e.getKey(), v.isTextual() ? v.asText() : v.toString());
        }
    }

    // ---- admin API ----------------------------------------------------------------------------

    private void adminStep(Scenario.Step step) {
        ObjectNode body = step.body();
        ReferenceServerProcess server = fleet.server(body.get("server").asInt());
        String method;
        String path;
        String json = null;
        AdminHttp.Token token = AdminHttp.Token.VALID;
        switch (step.kind()) {
            case "drain" -> {
                method = "POST";
                path = "/v1/drain";
                ObjectNode d = JSON.createObjectNode();
                d.set("targets", addresses(body.get("to")));
                d.put("ratePerSecond", body.path("rate").asDouble(0));
                json = d.toString();
            }
            case "migrate" -> {
                method = "POST";
                path = "/v1/migrate";
                ObjectNode m = JSON.createObjectNode();
                if (body.has("sessions")) m.set("sessions", vars.substituteAll(body.get("sessions"), false));
                else m.put("count", body.get("count").asInt());
                m.set("targets", addresses(body.get("to")));
                json = m.toString();
            }
            case "cancelDrain" -> {
                method = "DELETE";
                path = "/v1/drain";
            }
            default -> {
                method = body.get("method").asText();
                path = vars.substitute(body.get("path").asText());
                if (body.has("body"))
                    json = vars.substituteAll(body.get("body"), false).toString();
                token = AdminHttp.Token.valueOf(
                        body.path("token").asText("valid").toUpperCase(java.util.Locale.ROOT));
            }
        }
        AdminHttp.Response r = admin.call(server.admin(), fleet.adminToken(), token, method, path, json);
        String context = " (" + method + " " + path + (json == null ? "" : " " + json) + " on " + server.name()
                + " -> HTTP " + r.status() + " " + r.text().strip() + ")";
        if (body.has("expectStatus")) {
            if (r.status() != body.get("expectStatus").asInt()) {
                throw new ScenarioFailure(
                        "expected HTTP " + body.get("expectStatus").asInt() + context);
            }
        } else if (r.status() / 100 != 2) {
            throw new ScenarioFailure("expected a 2xx answer" + context);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.path("expect").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode got = r.json().at(e.getKey());
            if (got.isMissingNode() || !matches(e.getValue(), got)) {
                throw new ScenarioFailure(e.getKey() + ": expected " + e.getValue() + ", got " + got + context);
            }
        }
        log.info("admin {} {} on {}: HTTP {}", method, path, server.name(), r.status());
    }

    private ArrayNode addresses(JsonNode indexes) {
        ArrayNode a = JSON.createArrayNode();
        indexes.forEach(i -> a.add(fleet.server(i.asInt()).address()));
        return a;
    }

    private void awaitStatus(Scenario.Step step) {
        ObjectNode body = step.body();
        ReferenceServerProcess server = fleet.server(body.get("server").asInt());
        String pointer = body.get("pointer").asText();
        String path = body.path("path").asText("/v1/status");
        JsonNode want = body.get("equals");
        Duration timeout = Duration.ofMillis(body.path("timeoutMs").asLong(STATE.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        for (; ; ) {
            AdminHttp.Response r =
                    admin.call(server.admin(), fleet.adminToken(), AdminHttp.Token.VALID, "GET", path, null);
            if (r.status() == 200) {
                last = r.json().at(pointer);
                if (!last.isMissingNode() && matches(want, last)) return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ScenarioFailure(server.name() + " " + path + " " + pointer + " did not become " + want
                        + " within " + timeout + "; last " + last);
            }
            pause(POLL.toMillis());
        }
    }

    // ---- the store ----------------------------------------------------------------------------

    private void storeKey(Scenario.Step step) {
        ObjectNode body = step.body();
        String key = "ferry:session:{" + vars.substitute(body.get("session").asText()) + "}";
        boolean present = body.get("present").asBoolean();
        Duration timeout = Duration.ofMillis(body.path("timeoutMs").asLong(STATE.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (exists(key) != present) {
            if (System.nanoTime() - deadline > 0) {
                throw new ScenarioFailure("store key " + key + " did not become " + (present ? "present" : "absent")
                        + " within " + timeout);
            }
            pause(POLL.toMillis());
        }
        if (!body.has("ttl")) return;
        double low = body.get("ttl").get(0).asDouble();
        double high = body.get("ttl").get(1).asDouble();
        // A short settle only: the TTL runs down by itself, so a long poll would let a wrong TTL drift into range.
        long settleDeadline = System.nanoTime()
                + Duration.ofMillis(body.path("ttlSettleMs").asLong(0)).toNanos();
        for (; ; ) {
            Object pttl = fleet.redis().command("PTTL", key);
            double seconds = pttl instanceof Long ms && ms >= 0 ? ms / 1000.0 : Double.NaN;
            if (seconds >= low && seconds <= high) return;
            if (System.nanoTime() - settleDeadline > 0) {
                String shown =
                        pttl instanceof Long ms && ms < 0 ? (ms == -1 ? "no expiry" : "key gone") : seconds + " s";
                throw new ScenarioFailure(
                        "store key " + key + ": TTL " + shown + " is not within [" + low + ", " + high + "] s");
            }
            pause(POLL.toMillis());
        }
    }

    private boolean exists(String key) {
        Object n = fleet.redis().command("EXISTS", key);
        return n instanceof Long l && l > 0;
    }

    // ---- raw frames ---------------------------------------------------------------------------

    private void rawStep(Scenario.Step step) {
        ObjectNode body = step.body();
        String name = body.get("conn").asText();
        RawConnection conn = raw.get(name);
        if (conn == null) {
            if (!body.has("server"))
                throw new ScenarioFailure("raw connection " + name + " is not open; give \"server\" to open it");
            conn = RawConnection.open(fleet.server(body.get("server").asInt()).address());
            raw.put(name, conn);
        } else if (body.has("server")) {
            throw new ScenarioFailure("raw connection " + name + " is already open (to " + conn.address() + ")");
        }
        Duration timeout = Duration.ofMillis(body.path("timeoutMs").asLong(STATE.toMillis()));
        for (JsonNode frame : body.path("send")) conn.send(RawFrames.encode(vars.substituteAll(frame, false)));
        Set<String> skip = new java.util.HashSet<>();
        body.path("skip").forEach(t -> skip.add(t.asText()));
        int n = 0;
        for (JsonNode want : body.path("expect")) {
            n++;
            ObjectNode got = next(name, conn, timeout);
            while (got != null
                    && skip.contains(got.path("type").asText())
                    && !got.path("type").equals(want.path("type"))) {
                got = next(name, conn, timeout);
            }
            if (got == null)
                throw new ScenarioFailure(
                        "expected frame " + n + " " + want + " on " + name + ", got nothing within " + timeout);
            if (RawConnection.isClose(got)) {
                throw new ScenarioFailure("expected frame " + n + " " + want + " on " + name
                        + ", but the connection closed (" + got.path("how").asText() + ")");
            }
            ObjectNode fields = ((ObjectNode) want).deepCopy();
            JsonNode saveSpec = fields.remove("save");
            if (got.has("malformed"))
                throw new ScenarioFailure("frame " + n + " on " + name + " does not parse: " + got);
            if (!matches(fields, got))
                throw new ScenarioFailure("expected frame " + n + " " + want + " on " + name + ", got " + got);
            if (saveSpec != null) save(saveSpec, got);
        }
        if (body.path("closed").asBoolean(false)) {
            ObjectNode got = next(name, conn, timeout);
            while (got != null && skip.contains(got.path("type").asText())) got = next(name, conn, timeout);
            if (got == null)
                throw new ScenarioFailure(
                        "expected " + name + " to be closed by the server within " + timeout + "; it stayed open");
            if (!RawConnection.isClose(got))
                throw new ScenarioFailure("expected " + name + " to be closed, got another frame " + got);
        }
        countPendingRow(name);
        if (body.path("hangUp").asBoolean(false)) {
            conn.close();
            raw.remove(name);
        }
    }

    /**
     * The next frame on {@code conn}. ${CONN.rows} counts the ROW frames received before the frame being matched: a
     * ROW is counted when the next frame is taken, or when the step ends.
     */
    private ObjectNode next(String name, RawConnection conn, Duration timeout) {
        countPendingRow(name);
        ObjectNode got = conn.next(timeout);
        if (got != null && "ROW".equals(got.path("type").asText())) pendingRow.add(name);
        return got;
    }

    private void countPendingRow(String name) {
        if (!pendingRow.remove(name)) return;
        String key = name + ".rows";
        String count = vars.get(key);
        vars.put(key, Long.toString(count == null ? 1 : Long.parseLong(count) + 1));
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted", e);
        }
    }

    @Override
    public void close() {
        raw.values().forEach(RawConnection::close);
        raw.clear();
    }
}
