package dev.ferry.conformance;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * Reads and checks scenario files. Every problem is reported as a {@link ScenarioFormatException} whose message
 * names the file and the field (e.g. {@code steps[3].expect.rows}) and says what is accepted, so a scenario author
 * never has to read the harness to fix a file.
 */
public final class ScenarioFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
    private static final int MAX_TIMER = 32767;
    private static final int MAX_SERVERS = 8;

    /** A step kind's fields: the ones it must have and the ones it may have ("do" and "note" always allowed). */
    private record Fields(Set<String> required, Set<String> optional) {}

    private static final Map<String, Fields> KINDS = new LinkedHashMap<>();

    static {
        // Driver requests (docs/conformance.md, "The driver protocol").
        kind("hello", Set.of(), Set.of("expect", "save"));
        kind(
                "connect",
                Set.of("session"),
                Set.of("server", "address", "readAhead", "clientName", "timeoutMs", "expect", "save"));
        kind("execute", Set.of("session", "command"), Set.of("timeoutMs", "expect", "save"));
        kind("start", Set.of("session", "request", "command"), Set.of("expect"));
        kind("read", Set.of("request"), Set.of("rows", "timeoutMs", "expect", "save"));
        kind("finish", Set.of("request"), Set.of("timeoutMs", "expect", "save"));
        kind("cancel", Set.of("request"), Set.of("expect"));
        kind("status", Set.of("session"), Set.of("expect", "save"));
        kind("awaitMigrations", Set.of("session", "count"), Set.of("timeoutMs", "expect", "save"));
        kind("close", Set.of("session"), Set.of("expect"));
        // Admin API of a reference server.
        kind("drain", Set.of("server", "to"), Set.of("rate", "expectStatus"));
        kind("migrate", Set.of("server", "to"), Set.of("sessions", "count", "expectStatus", "expect"));
        kind("cancelDrain", Set.of("server"), Set.of("expectStatus"));
        kind("admin", Set.of("server", "method", "path", "expectStatus"), Set.of("body", "token", "expect"));
        kind("awaitStatus", Set.of("server", "pointer", "equals"), Set.of("path", "timeoutMs"));
        // Faults.
        kind("kill", Set.of("server"), Set.of());
        kind("stopStore", Set.of(), Set.of());
        kind("startStore", Set.of(), Set.of());
        kind("pause", Set.of("ms"), Set.of());
        // The context store.
        kind("storeKey", Set.of("session", "present"), Set.of("ttl", "timeoutMs", "ttlSettleMs"));
        // Frames on a connection the harness opens itself.
        kind("raw", Set.of("conn"), Set.of("server", "send", "expect", "skip", "closed", "hangUp", "timeoutMs"));
    }

    private static void kind(String name, Set<String> required, Set<String> optional) {
        KINDS.put(name, new Fields(required, optional));
    }

    private static final Set<String> FRAME_TYPES = Set.of(
            "HELLO",
            "COMMAND",
            "ATTENTION",
            "RESUME",
            "GOODBYE",
            "WELCOME",
            "ROW",
            "MESSAGE",
            "DONE",
            "MIGRATE",
            "MIGRATE_CANCEL",
            "DEFERRED",
            "ERROR");

    private ScenarioFile() {}

    /** The step kinds, in documentation order. */
    public static Set<String> kinds() {
        return KINDS.keySet();
    }

    /** Every {@code *.json} in {@code directory}, sorted by name. */
    public static List<Scenario> readAll(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> sorted = files.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
            if (sorted.isEmpty()) throw new ScenarioFormatException("no scenario files (*.json) in " + directory);
            List<Scenario> all = new ArrayList<>();
            for (Path p : sorted) all.add(read(p));
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list scenarios in " + directory, e);
        }
    }

    public static Scenario read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScenarioFormatException(file + ": cannot be read: " + e.getMessage(), e);
        }
        String base = file.getFileName().toString();
        String expectedName = base.endsWith(".json") ? base.substring(0, base.length() - 5) : null;
        return parse(file.toString(), text, expectedName);
    }

    /**
     * @param source       what to call the text in messages (its file)
     * @param expectedName the name the scenario must have (its file name), or null to accept any valid name
     */
    public static Scenario parse(String source, String text, String expectedName) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ScenarioFormatException(source + ": not valid JSON: " + e.getOriginalMessage() + location(e), e);
        }
        Checker c = new Checker(source);
        if (root == null || !root.isObject()) throw c.fail("", "must be a JSON object with name, spec, setup, steps");
        c.onlyFields(root, "", Set.of("name", "spec", "description", "setup", "steps", "expectedFailure"));
        String name = c.string(root, "", "name", true);
        if (!NAME.matcher(name).matches()) {
            throw c.fail(
                    "name", "must be lowercase letters, digits and '-', at most 80 characters, was \"" + name + "\"");
        }
        if (expectedName != null && !expectedName.equals(name)) {
            throw c.fail(
                    "name", "must equal the file name without .json (\"" + expectedName + "\"), was \"" + name + "\"");
        }
        String spec = c.string(root, "", "spec", true);
        String description = c.string(root, "", "description", false);
        String expectedFailure = c.string(root, "", "expectedFailure", false);
        if (expectedFailure != null && expectedFailure.isBlank()) {
            throw c.fail("expectedFailure", "must say why the scenario fails (the finding), or be left out");
        }
        Scenario.Setup setup = setup(c, root.get("setup"));
        JsonNode steps = root.get("steps");
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            throw c.fail("steps", "must be a non-empty array of step objects");
        }
        List<Scenario.Step> parsed = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            parsed.add(step(c, i, steps.get(i), setup));
        }
        return new Scenario(name, spec, description, setup, List.copyOf(parsed), expectedFailure);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
    }

    private static Scenario.Setup setup(Checker c, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw c.fail("setup", "must be an object like {\"servers\":[{\"I\":30,\"S\":10}],\"store\":\"up\"}");
        }
        c.onlyFields(node, "setup", Set.of("servers", "store"));
        JsonNode servers = node.get("servers");
        if (servers == null || !servers.isArray() || servers.isEmpty() || servers.size() > MAX_SERVERS) {
            throw c.fail(
                    "setup.servers",
                    "must be an array of 1.." + MAX_SERVERS + " objects {\"I\":seconds,\"S\":seconds}");
        }
        List<Scenario.ServerSetup> list = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            String at = "setup.servers[" + i + "]";
            JsonNode s = servers.get(i);
            if (!s.isObject()) throw c.fail(at, "must be an object {\"I\":seconds,\"S\":seconds}");
            c.onlyFields(s, at, Set.of("I", "S", "handshakeTimeout", "maxFrameBytes", "maxSessions"));
            int idle = c.integer(s, at, "I", 0, MAX_TIMER, true, 0);
            int session = c.integer(s, at, "S", 0, MAX_TIMER, true, 0);
            int handshake = c.integer(s, at, "handshakeTimeout", 1, 3600, false, 0);
            int maxFrame = c.integer(s, at, "maxFrameBytes", 1024, 64 << 20, false, 0);
            int maxSessions = c.integer(s, at, "maxSessions", 1, 10_000_000, false, 0);
            list.add(new Scenario.ServerSetup(idle, session, handshake, maxFrame, maxSessions));
        }
        String store = c.string(node, "setup", "store", false);
        if (store != null && !store.equals("up") && !store.equals("down")) {
            throw c.fail("setup.store", "must be \"up\" or \"down\", was \"" + store + "\"");
        }
        return new Scenario.Setup(List.copyOf(list), !"down".equals(store));
    }

    private static Scenario.Step step(Checker c, int i, JsonNode node, Scenario.Setup setup) {
        String at = "steps[" + i + "]";
        if (node == null || !node.isObject()) throw c.fail(at, "must be an object with a \"do\" field");
        JsonNode kindNode = node.get("do");
        if (kindNode == null || !kindNode.isTextual()) {
            throw c.fail(at + ".do", "must be one of " + KINDS.keySet());
        }
        String kind = kindNode.asText();
        Fields fields = KINDS.get(kind);
        if (fields == null) throw c.fail(at + ".do", "unknown step kind \"" + kind + "\"; known: " + KINDS.keySet());
        Set<String> allowed = new TreeSet<>(fields.required());
        allowed.addAll(fields.optional());
        allowed.add("do");
        allowed.add("note");
        c.onlyFields(node, at, allowed);
        for (String r : fields.required()) {
            if (!node.has(r) || node.get(r).isNull())
                throw c.fail(at + "." + r, "is required for a \"" + kind + "\" step");
        }
        checkCommon(c, at, node, setup);
        switch (kind) {
            case "connect" -> {
                if (node.has("server") == node.has("address")) {
                    throw c.fail(
                            at, "a connect step needs exactly one of \"server\" (index) and \"address\" (host:port)");
                }
                c.bool(node, at, "readAhead");
            }
            case "read" -> c.integer(node, at, "rows", 1, 1_000_000, false, 1);
            case "awaitMigrations" -> c.integer(node, at, "count", 0, 1_000_000, true, 0);
            case "drain" -> {
                c.serverList(node, at, "to", setup);
                if (node.has("rate") && !node.get("rate").isNumber())
                    throw c.fail(at + ".rate", "must be a number >= 0");
            }
            case "migrate" -> {
                c.serverList(node, at, "to", setup);
                if (node.has("sessions") == node.has("count")) {
                    throw c.fail(
                            at,
                            "a migrate step needs exactly one of \"sessions\" (array of session IDs) and \"count\"");
                }
                if (node.has("sessions")) c.stringArray(node, at, "sessions");
                else c.integer(node, at, "count", 1, 1_000_000, true, 0);
                c.pointerMap(node, at, "expect");
            }
            case "admin" -> {
                String method = c.string(node, at, "method", true);
                if (!Set.of("GET", "POST", "PUT", "DELETE").contains(method)) {
                    throw c.fail(at + ".method", "must be GET, POST, PUT or DELETE");
                }
                String path = c.string(node, at, "path", true);
                if (!path.startsWith("/")) throw c.fail(at + ".path", "must start with /");
                String token = c.string(node, at, "token", false);
                if (token != null && !Set.of("valid", "none", "wrong").contains(token)) {
                    throw c.fail(at + ".token", "must be \"valid\" (default), \"none\" or \"wrong\"");
                }
                c.pointerMap(node, at, "expect");
            }
            case "awaitStatus" -> {
                String pointer = c.string(node, at, "pointer", true);
                if (!pointer.startsWith("/")) throw c.fail(at + ".pointer", "must be a JSON pointer starting with /");
                String path = c.string(node, at, "path", false);
                if (path != null && !path.startsWith("/")) throw c.fail(at + ".path", "must start with /");
            }
            case "pause" -> c.integer(node, at, "ms", 0, 60_000, true, 0);
            case "storeKey" -> {
                c.bool(node, at, "present");
                if (node.has("ttl")) {
                    JsonNode ttl = node.get("ttl");
                    if (!ttl.isArray()
                            || ttl.size() != 2
                            || !ttl.get(0).isNumber()
                            || !ttl.get(1).isNumber()
                            || ttl.get(0).asDouble() > ttl.get(1).asDouble()) {
                        throw c.fail(at + ".ttl", "must be [low, high] in seconds with low <= high");
                    }
                    if (!node.get("present").asBoolean())
                        throw c.fail(at + ".ttl", "only applies with \"present\": true");
                }
                c.integer(node, at, "ttlSettleMs", 0, 60_000, false, 0);
            }
            case "raw" -> raw(c, at, node);
            default -> {
                // the common checks cover it
            }
        }
        return new Scenario.Step(i, kind, (ObjectNode) node);
    }

    private static void checkCommon(Checker c, String at, JsonNode node, Scenario.Setup setup) {
        if (node.has("server")) c.serverIndex(node.get("server"), at + ".server", setup);
        c.integer(node, at, "timeoutMs", 1, 600_000, false, 0);
        c.integer(node, at, "expectStatus", 100, 599, false, 0);
        for (String f : List.of("session", "request", "command", "address", "clientName", "conn", "note")) {
            if (node.has(f)) c.string(node, at, f, true);
        }
        if (node.has("save")) {
            JsonNode save = node.get("save");
            if (!save.isObject()) throw c.fail(at + ".save", "must map variable names to answer fields");
            save.properties().forEach(e -> {
                if (!e.getValue().isTextual()) throw c.fail(at + ".save." + e.getKey(), "must name a field (a string)");
            });
        }
        if (node.has("expect") && !"raw".equals(node.get("do").asText())) {
            JsonNode expect = node.get("expect");
            if (!expect.isObject()) throw c.fail(at + ".expect", "must be an object of field: expected value");
            expectFields(c, at + ".expect", expect);
        }
    }

    private static void expectFields(Checker c, String at, JsonNode expect) {
        for (Iterator<Map.Entry<String, JsonNode>> it = expect.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = at + "." + e.getKey();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "ok", "done", "open", "allRowsPrefix" -> {
                    if (!v.isBoolean()) throw c.fail(f, "must be true or false");
                }
                case "error" -> {
                    boolean valid = v.isTextual()
                            || (v.isArray() && !v.isEmpty() && stream(v).allMatch(JsonNode::isTextual));
                    if (!valid) throw c.fail(f, "must be an error kind or a non-empty array of acceptable kinds");
                }
                case "rowsSeq", "allRowsSeq" -> {
                    if (!v.canConvertToInt() || v.asInt() < 0) throw c.fail(f, "must be a row count >= 0");
                }
                case "rows" -> {
                    if (!v.isArray() || !stream(v).allMatch(JsonNode::isTextual)) {
                        throw c.fail(f, "must be an array of strings");
                    }
                }
                default -> {
                    if (v.isTextual()) c.regex(v.asText(), f);
                }
            }
        }
    }

    private static void raw(Checker c, String at, JsonNode node) {
        if (node.has("send")) {
            JsonNode send = node.get("send");
            if (!send.isArray()) throw c.fail(at + ".send", "must be an array of frames");
            for (int i = 0; i < send.size(); i++) frame(c, at + ".send[" + i + "]", send.get(i), true);
        }
        if (node.has("expect")) {
            JsonNode expect = node.get("expect");
            if (!expect.isArray()) throw c.fail(at + ".expect", "must be an array of expected frames");
            for (int i = 0; i < expect.size(); i++) frame(c, at + ".expect[" + i + "]", expect.get(i), false);
        }
        c.bool(node, at, "closed");
        c.bool(node, at, "hangUp");
        if (node.has("closed") && node.has("hangUp"))
            throw c.fail(at, "closed (by the server) and hangUp (by the harness) exclude each other");
        if (node.has("skip")) {
            JsonNode skip = node.get("skip");
            if (!skip.isArray() || !stream(skip).allMatch(t -> t.isTextual() && FRAME_TYPES.contains(t.asText()))) {
                throw c.fail(at + ".skip", "must be an array of frame type names, e.g. [\"ROW\"]");
            }
        }
        if (!node.has("send") && !node.has("expect") && !node.has("closed") && !node.has("hangUp")) {
            throw c.fail(at, "a raw step needs at least one of send, expect, closed, hangUp");
        }
    }

    private static void frame(Checker c, String at, JsonNode frame, boolean sending) {
        if (!frame.isObject()) throw c.fail(at, "must be an object: {\"type\":NAME, fields...} or {\"hex\":\"...\"}");
        if (frame.has("hex")) {
            if (!sending) throw c.fail(at + ".hex", "expected frames are given by type and fields, not as hex");
            c.onlyFields(frame, at, Set.of("hex", "note"));
            String hex = c.string(frame, at, "hex", true).replaceAll("\\s+", "");
            if (hex.length() % 2 != 0 || !hex.matches("[0-9a-fA-F]*")) {
                throw c.fail(at + ".hex", "must be an even number of hex digits (spaces allowed)");
            }
            return;
        }
        String type = c.string(frame, at, "type", true);
        if (!FRAME_TYPES.contains(type))
            throw c.fail(at + ".type", "unknown frame type \"" + type + "\"; known: " + new TreeSet<>(FRAME_TYPES));
        if (sending && frame.has("save")) throw c.fail(at + ".save", "only expected frames can save fields");
        if (!sending) {
            for (Iterator<Map.Entry<String, JsonNode>> it = frame.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual() && !e.getKey().equals("type"))
                    c.regex(e.getValue().asText(), at + "." + e.getKey());
            }
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l.stream();
    }

    /** Field checks that know where they are, for messages. */
    private static final class Checker {
        private final String source;

        Checker(String source) {
            this.source = source;
        }

        ScenarioFormatException fail(String field, String problem) {
            return new ScenarioFormatException(source + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
        }

        void onlyFields(JsonNode node, String at, Set<String> allowed) {
            node.fieldNames().forEachRemaining(f -> {
                if (!allowed.contains(f)) {
                    throw fail(join(at, f), "unknown field; allowed here: " + new TreeSet<>(allowed));
                }
            });
        }

        String string(JsonNode node, String at, String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) throw fail(join(at, field), "is required (a string)");
                return null;
            }
            if (!v.isTextual()) throw fail(join(at, field), "must be a string");
            if (required && v.asText().isEmpty()) throw fail(join(at, field), "must not be empty");
            return v.asText();
        }

        int integer(JsonNode node, String at, String field, long min, long max, boolean required, int dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) throw fail(join(at, field), "is required (an integer in " + min + ".." + max + ")");
                return dflt;
            }
            if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max || !v.canConvertToInt()) {
                throw fail(join(at, field), "must be an integer in " + min + ".." + max + ", was " + v);
            }
            return v.asInt();
        }

        void bool(JsonNode node, String at, String field) {
            if (node.has(field) && !node.get(field).isBoolean()) throw fail(join(at, field), "must be true or false");
        }

        void serverIndex(JsonNode v, String at, Scenario.Setup setup) {
            if (!v.isIntegralNumber()
                    || v.asInt() < 0
                    || v.asInt() >= setup.servers().size()) {
                throw fail(
                        at,
                        "must be a server index in 0.." + (setup.servers().size() - 1) + " (setup.servers), was " + v);
            }
        }

        void serverList(JsonNode node, String at, String field, Scenario.Setup setup) {
            JsonNode v = node.get(field);
            if (!v.isArray() || v.isEmpty()) throw fail(join(at, field), "must be a non-empty array of server indexes");
            for (int i = 0; i < v.size(); i++) serverIndex(v.get(i), join(at, field) + "[" + i + "]", setup);
        }

        void stringArray(JsonNode node, String at, String field) {
            JsonNode v = node.get(field);
            if (!v.isArray() || v.isEmpty() || !stream(v).allMatch(JsonNode::isTextual)) {
                throw fail(join(at, field), "must be a non-empty array of strings");
            }
        }

        void pointerMap(JsonNode node, String at, String field) {
            if (!node.has(field)) return;
            JsonNode v = node.get(field);
            if (!v.isObject()) throw fail(join(at, field), "must map JSON pointers (\"/a/b\") to expected values");
            v.fieldNames().forEachRemaining(p -> {
                if (!p.startsWith("/")) throw fail(join(at, field) + "." + p, "must be a JSON pointer starting with /");
            });
        }

        void regex(String pattern, String at) {
            try {
                // Variables (${name}) are substituted, quoted, before matching; any stand-in will do here.
                Pattern.compile(Variables.PLACEHOLDER.matcher(pattern).replaceAll("x"));
            } catch (PatternSyntaxException e) {
                throw fail(at, "is matched as a regular expression and does not compile: " + e.getDescription());
            }
        }

        private static String join(String at, String field) {
            return at.isEmpty() ? field : at + "." + field;
        }
    }
}
