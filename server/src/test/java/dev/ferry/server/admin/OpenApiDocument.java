package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.admin.api.AdminPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The admin API's OpenAPI document (from admin-api, on the class path), read as the tests need it:
 * its operations, and a check of a JSON value against one of its schemas.
 */
final class OpenApiDocument {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    /** One documented operation. */
    record Operation(String method, String path, JsonNode node, boolean authenticated, boolean rateLimited) {
        /** The documented answer for {@code status}, with any $ref resolved; null when it is not documented. */
        JsonNode response(OpenApiDocument doc, int status) {
            JsonNode r = node.path("responses").path(Integer.toString(status));
            return r.isMissingNode() ? null : doc.resolve(r);
        }

        JsonNode requestSchema() {
            return node.path("requestBody")
                    .path("content")
                    .path(AdminPaths.JSON)
                    .path("schema");
        }
    }

    final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    static OpenApiDocument load() {
        try (InputStream in = AdminPaths.class.getResourceAsStream(AdminPaths.OPENAPI_RESOURCE)) {
            if (in == null) throw new IllegalStateException(AdminPaths.OPENAPI_RESOURCE + " is not on the class path");
            return new OpenApiDocument(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Operation> operations() {
        boolean authByDefault = !root.path("security").isEmpty();
        List<Operation> ops = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : root.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!METHODS.contains(op.getKey())) continue;
                JsonNode node = op.getValue();
                boolean authenticated =
                        node.has("security") ? !node.path("security").isEmpty() : authByDefault;
                ops.add(new Operation(
                        op.getKey().toUpperCase(Locale.ROOT),
                        path.getKey(),
                        node,
                        authenticated,
                        node.path("x-ferry-rate-limited").asBoolean(false)));
            }
        }
        return ops;
    }

    Operation operation(String method, String path) {
        return operations().stream()
                .filter(o -> o.method().equals(method) && o.path().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the OpenAPI document has no " + method + " " + path));
    }

    /** Resolves a {@code $ref} (to a response or a schema) inside this document. */
    JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.path("$ref").asText();
            if (!ref.startsWith("#/")) throw new AssertionError("not a local reference: " + ref);
            JsonNode target = root;
            for (String part : ref.substring(2).split("/")) target = target.path(part);
            if (target.isMissingNode()) throw new AssertionError("unresolved reference " + ref);
            node = target;
        }
        return node;
    }

    /** The schema's name when it is a reference to a named schema, else null. */
    static String schemaName(JsonNode schema) {
        String ref = schema.path("$ref").asText(null);
        return ref == null ? null : ref.substring(ref.lastIndexOf('/') + 1);
    }

    /**
     * Problems of {@code value} against {@code schema}: types, nulls, required and undocumented
     * properties, enums, bounds; empty when it conforms. Covers the subset of JSON Schema the document
     * uses, and refuses anything else, so a construct added to the document is added here too.
     */
    List<String> problems(JsonNode value, JsonNode schema) {
        List<String> problems = new ArrayList<>();
        check("$", value, schema, problems);
        return problems;
    }

    private void check(String at, JsonNode value, JsonNode schema, List<String> problems) {
        schema = resolve(schema);
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) problems.add(at + " is null but not nullable");
            return;
        }
        if (schema.has("allOf")) {
            for (JsonNode part : schema.path("allOf")) check(at, value, part, problems);
            return;
        }
        String type = schema.path("type").asText();
        switch (type) {
            case "object" -> checkObject(at, value, schema, problems);
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(at + " is not an array: " + value);
                    return;
                }
                if (schema.has("minItems")
                        && value.size() < schema.path("minItems").asInt())
                    problems.add(at + " has fewer than minItems");
                if (schema.has("maxItems")
                        && value.size() > schema.path("maxItems").asInt()) problems.add(at + " has more than maxItems");
                for (int i = 0; i < value.size(); i++)
                    check(at + "[" + i + "]", value.get(i), schema.path("items"), problems);
            }
            case "string" -> {
                if (!value.isTextual()) problems.add(at + " is not a string: " + value);
                else if (schema.has("enum")) {
                    boolean listed = false;
                    for (JsonNode e : schema.path("enum")) listed |= e.asText().equals(value.asText());
                    if (!listed) problems.add(at + " = " + value + " is not one of " + schema.path("enum"));
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) problems.add(at + " is not an integer: " + value);
                else if ("int32".equals(schema.path("format").asText()) && !value.canConvertToInt())
                    problems.add(at + " does not fit int32: " + value);
                checkBounds(at, value, schema, problems);
            }
            case "number" -> {
                if (!value.isNumber()) problems.add(at + " is not a number: " + value);
                checkBounds(at, value, schema, problems);
            }
            case "boolean" -> {
                if (!value.isBoolean()) problems.add(at + " is not a boolean: " + value);
            }
            default -> problems.add(at + ": the schema has a type this check does not know: " + schema);
        }
    }

    private void checkObject(String at, JsonNode value, JsonNode schema, List<String> problems) {
        if (!value.isObject()) {
            problems.add(at + " is not an object: " + value);
            return;
        }
        for (JsonNode r : schema.path("required")) {
            if (!value.has(r.asText())) problems.add(at + " lacks required property " + r.asText());
        }
        if (schema.has("oneOf")) {
            int matching = 0;
            for (JsonNode alternative : schema.path("oneOf")) {
                boolean all = true;
                for (JsonNode r : alternative.path("required")) all &= value.hasNonNull(r.asText());
                if (all) matching++;
            }
            if (matching != 1) problems.add(at + " matches " + matching + " of the oneOf alternatives, not 1");
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = at + "." + e.getKey();
            if (properties.has(e.getKey())) check(where, e.getValue(), properties.path(e.getKey()), problems);
            else if (additional.isObject()) check(where, e.getValue(), additional, problems);
            else problems.add(where + " is not documented");
        }
    }

    private static void checkBounds(String at, JsonNode value, JsonNode schema, List<String> problems) {
        if (schema.has("minimum") && value.asDouble() < schema.path("minimum").asDouble())
            problems.add(at + " is below its minimum");
        if (schema.has("maximum") && value.asDouble() > schema.path("maximum").asDouble())
            problems.add(at + " is above its maximum");
    }
}
