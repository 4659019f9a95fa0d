package dev.ferry.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The harness's own codec for the frames of docs/protocol.md, written from the spec and not shared with the
 * implementation under test: client frames are encoded from JSON fields (or taken as hex), server frames decoded to
 * JSON fields. Field names are the spec's.
 */
public final class RawFrames {
    static final Map<String, Integer> TYPES = Map.ofEntries(
            Map.entry("HELLO", 0x01),
            Map.entry("WELCOME", 0x02),
            Map.entry("COMMAND", 0x03),
            Map.entry("ROW", 0x04),
            Map.entry("MESSAGE", 0x05),
            Map.entry("DONE", 0x06),
            Map.entry("ATTENTION", 0x07),
            Map.entry("MIGRATE", 0x08),
            Map.entry("MIGRATE_CANCEL", 0x09),
            Map.entry("RESUME", 0x0A),
            Map.entry("DEFERRED", 0x0B),
            Map.entry("GOODBYE", 0x0C),
            Map.entry("ERROR", 0x0D));
    private static final List<String> GOODBYE_REASONS =
            List.of("CLOSE", "MOVED", "MIGRATING", "SHUTDOWN", "IDLE_TIMEOUT");
    private static final List<String> SEVERITIES = List.of("info", "warning", "error");
    private static final Map<Integer, String> ERROR_CODES = Map.ofEntries(
            Map.entry(1, "PROTOCOL_ERROR"),
            Map.entry(2, "UNSUPPORTED_VERSION"),
            Map.entry(3, "FRAME_TOO_LARGE"),
            Map.entry(10, "SESSION_EXPIRED"),
            Map.entry(11, "BAD_TOKEN"),
            Map.entry(12, "ALREADY_CLAIMED"),
            Map.entry(13, "STORE_UNAVAILABLE"),
            Map.entry(14, "SERVER_FULL"),
            Map.entry(15, "HANDSHAKE_TIMEOUT"),
            Map.entry(16, "NOT_SERVING"),
            Map.entry(17, "MIGRATION_CANCELLED"),
            Map.entry(18, "CLAIM_PENDING"),
            Map.entry(20, "COMMAND_FAILED"));
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RawFrames() {}

    /** The bytes of one frame given as {@code {"hex": ...}} or {@code {"type": NAME, fields...}}, header included. */
    public static byte[] encode(JsonNode frame) {
        if (frame.has("hex"))
            return HexFormat.of().parseHex(frame.get("hex").asText().replaceAll("\\s+", ""));
        String type = frame.get("type").asText();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(payload);
        try {
            switch (type) {
                case "HELLO" -> {
                    out.writeShort(intField(frame, "version", 1));
                    str16(out, textField(frame, "clientName", "ferry-conformance"));
                }
                case "COMMAND" -> {
                    out.writeInt((int) longField(frame, "requestId", -1));
                    text(out, textField(frame, "command", null));
                }
                case "ATTENTION", "DEFERRED" -> out.writeInt((int) longField(frame, "requestId", -1));
                case "RESUME" -> {
                    out.writeShort(intField(frame, "version", 1));
                    out.write(hexField(frame, "sessionId", 16));
                    out.write(hexField(frame, "resumeToken", 32));
                    out.writeInt((int) longField(frame, "attentionRequestId", 0));
                }
                case "GOODBYE" -> {
                    out.writeByte(enumField(frame, "reason", GOODBYE_REASONS));
                    str16(out, textField(frame, "text", ""));
                }
                case "MIGRATE_CANCEL" -> out.writeInt((int) longField(frame, "migrationId", -1));
                default ->
                    throw new ScenarioFailure(
                            "the harness sends " + type + " only as hex (it is a server frame); give {\"hex\": ...}");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = payload.toByteArray();
        return ByteBuffer.allocate(5 + body.length)
                .putInt(1 + body.length)
                .put((byte) (int) TYPES.get(type))
                .put(body)
                .array();
    }

    /** One received frame as JSON: "type" and the payload's fields; a payload that does not parse is reported as such. */
    public static ObjectNode decode(int type, byte[] payload) {
        ObjectNode o = NODES.objectNode();
        String name = TYPES.entrySet().stream()
                .filter(e -> e.getValue() == type)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null);
        if (name == null) {
            o.put("type", String.format("UNKNOWN_0x%02X", type));
            o.put("hex", HexFormat.of().formatHex(payload));
            return o;
        }
        o.put("type", name);
        ByteBuffer b = ByteBuffer.wrap(payload);
        try {
            switch (name) {
                case "WELCOME" -> {
                    o.put("version", Short.toUnsignedInt(b.getShort()));
                    o.put("sessionId", hex(b, 16));
                    o.put("resumeToken", hex(b, 32));
                    o.put("serverName", str16(b));
                    o.put("resumed", b.get() != 0);
                }
                case "ROW" -> {
                    o.put("requestId", Integer.toUnsignedLong(b.getInt()));
                    o.put("seq", b.getLong());
                    int n = b.getInt();
                    byte[] data = new byte[n];
                    b.get(data);
                    o.put("data", new String(data, StandardCharsets.UTF_8));
                }
                case "MESSAGE" -> {
                    o.put("requestId", Integer.toUnsignedLong(b.getInt()));
                    int s = Byte.toUnsignedInt(b.get());
                    o.put("severity", s < SEVERITIES.size() ? SEVERITIES.get(s) : Integer.toString(s));
                    o.put("text", text(b));
                }
                case "DONE" -> {
                    o.put("requestId", Integer.toUnsignedLong(b.getInt()));
                    o.put("flags", flags(Byte.toUnsignedInt(b.get())));
                    o.put("rowCount", b.getLong());
                }
                case "MIGRATE" -> {
                    o.put("migrationId", Integer.toUnsignedLong(b.getInt()));
                    o.put("inBatchRequestId", Integer.toUnsignedLong(b.getInt()));
                    o.put("deadlineMillis", Integer.toUnsignedLong(b.getInt()));
                    int n = Byte.toUnsignedInt(b.get());
                    var targets = o.putArray("targets");
                    for (int i = 0; i < n; i++) targets.add(str16(b));
                }
                case "MIGRATE_CANCEL" -> o.put("migrationId", Integer.toUnsignedLong(b.getInt()));
                case "DEFERRED", "ATTENTION" -> o.put("requestId", Integer.toUnsignedLong(b.getInt()));
                case "GOODBYE" -> {
                    int r = Byte.toUnsignedInt(b.get());
                    o.put("reason", r < GOODBYE_REASONS.size() ? GOODBYE_REASONS.get(r) : Integer.toString(r));
                    o.put("text", str16(b));
                }
                case "ERROR" -> {
                    int code = Short.toUnsignedInt(b.getShort());
                    o.put("code", ERROR_CODES.getOrDefault(code, Integer.toString(code)));
                    o.put("requestId", Integer.toUnsignedLong(b.getInt()));
                    o.put("text", text(b));
                }
                default -> o.put("hex", HexFormat.of().formatHex(payload));
            }
            if (b.hasRemaining()) o.put("malformed", b.remaining() + " bytes after the last field");
        } catch (BufferUnderflowException e) {
            o.put("malformed", "payload ends inside a field: " + HexFormat.of().formatHex(payload));
        }
        return o;
    }

    private static String flags(int f) {
        StringBuilder sb = new StringBuilder();
        if ((f & 1) != 0) sb.append("FINAL");
        if ((f & 2) != 0) sb.append(sb.isEmpty() ? "" : "|").append("ERROR");
        if ((f & 4) != 0) sb.append(sb.isEmpty() ? "" : "|").append("ATTENTION");
        if ((f & ~7) != 0) sb.append(sb.isEmpty() ? "" : "|").append(String.format("0x%02X", f & ~7));
        return sb.toString();
    }

    private static String hex(ByteBuffer b, int n) {
        byte[] bytes = new byte[n];
        b.get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String str16(ByteBuffer b) {
        byte[] bytes = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void str16(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static int intField(JsonNode frame, String field, int dflt) {
        return (int) longField(frame, field, dflt);
    }

    private static long longField(JsonNode frame, String field, long dflt) {
        JsonNode v = frame.get(field);
        if (v == null) {
            if (dflt < 0) throw new ScenarioFailure(frame.get("type").asText() + " frame needs the field " + field);
            return dflt;
        }
        if (!v.canConvertToLong()) throw new ScenarioFailure(field + " must be a number, was " + v);
        return v.asLong();
    }

    private static String textField(JsonNode frame, String field, String dflt) {
        JsonNode v = frame.get(field);
        if (v == null) {
            if (dflt == null) throw new ScenarioFailure(frame.get("type").asText() + " frame needs the field " + field);
            return dflt;
        }
        return v.asText();
    }

    private static byte[] hexField(JsonNode frame, String field, int length) {
        String v = textField(frame, field, null);
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(v);
        } catch (IllegalArgumentException e) {
            throw new ScenarioFailure(field + " must be " + (2 * length) + " hex digits, was \"" + v + "\"");
        }
        if (bytes.length != length)
            throw new ScenarioFailure(field + " must be " + (2 * length) + " hex digits, was \"" + v + "\"");
        return bytes;
    }

    private static int enumField(JsonNode frame, String field, List<String> names) {
        JsonNode v = frame.get(field);
        if (v == null) throw new ScenarioFailure(frame.get("type").asText() + " frame needs the field " + field);
        if (v.canConvertToInt()) return v.asInt();
        int i = names.indexOf(v.asText());
        if (i < 0) throw new ScenarioFailure(field + " must be one of " + names + " or a number, was " + v);
        return i;
    }
}
