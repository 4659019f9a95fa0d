package dev.ferry.admin.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document and the records say the same thing: each object schema is the record of the
 * same name, with the same properties, of the same JSON types, required exactly when the record
 * always writes them; each operation's bodies are records; the bounds the document states are the
 * ones the records enforce. A field renamed, added or retyped on one side only fails here.
 */
class OpenApiContractTest {
    private static final String REF = "#/components/schemas/";
    private static JsonNode doc;
    private static JsonNode schemas;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = AdminPaths.class.getResourceAsStream(AdminPaths.OPENAPI_RESOURCE)) {
            assertThat(in)
                    .as(AdminPaths.OPENAPI_RESOURCE + " on the class path")
                    .isNotNull();
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        schemas = doc.path("components").path("schemas");
    }

    @Test
    void everyObjectSchemaIsTheRecordOfItsNamePropertyByProperty() {
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : schemas.properties()) {
            if (!"object".equals(e.getValue().path("type").asText())) continue;
            Class<?> type = contractClass(e.getKey());
            assertThat(type.isRecord()).as("%s is a record", type).isTrue();
            checkRecord(type, e.getValue());
            checked.add(e.getKey());
        }
        assertThat(checked).hasSizeGreaterThan(15);
    }

    @Test
    void everySchemaIsUsedAndEveryReferenceResolves() {
        Set<String> referenced = new TreeSet<>();
        collectRefs(doc.path("paths"), referenced);
        collectRefs(doc.path("components").path("responses"), referenced);
        collectRefs(schemas, referenced);
        Set<String> defined = new TreeSet<>();
        schemas.fieldNames().forEachRemaining(defined::add);
        assertThat(defined).containsExactlyInAnyOrderElementsOf(referenced);
    }

    @Test
    void everyJsonBodyOfEveryOperationIsAContractRecord() {
        int bodies = 0;
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                String where = op.getKey().toUpperCase() + " " + path.getKey();
                List<JsonNode> contents = new ArrayList<>();
                contents.add(op.getValue().path("requestBody").path("content"));
                op.getValue()
                        .path("responses")
                        .forEach(r -> contents.add(resolveResponse(r).path("content")));
                for (JsonNode content : contents) {
                    for (Map.Entry<String, JsonNode> media : content.properties()) {
                        JsonNode schema = media.getValue().path("schema");
                        if (media.getKey().equals(AdminPaths.JSON)) {
                            assertThat(schema.has("$ref"))
                                    .as("%s: JSON body is a named schema", where)
                                    .isTrue();
                            assertThat(contractClass(refName(schema)).isRecord())
                                    .isTrue();
                            bodies++;
                        } else {
                            assertThat(where)
                                    .as("only the metrics are not JSON")
                                    .isEqualTo("GET /metrics");
                        }
                    }
                }
            }
        }
        assertThat(bodies).isGreaterThan(30);
    }

    @Test
    void theDocumentedBoundsAreTheOnesTheRecordsEnforce() {
        JsonNode drain = schemas.path("DrainRequest").path("properties");
        assertThat(drain.path("targets").path("maxItems").asInt()).isEqualTo(Limits.MAX_TARGETS);
        assertThat(drain.path("targets").path("minItems").asInt()).isEqualTo(1);
        assertThat(drain.path("ratePerSecond").path("maximum").asDouble()).isEqualTo(DrainRequest.MAX_RATE);
        JsonNode migrate = schemas.path("MigrateRequest").path("properties");
        assertThat(migrate.path("count").path("maximum").asInt()).isEqualTo(MigrateRequest.MAX_COUNT);
        assertThat(migrate.path("sessions").path("maxItems").asInt()).isEqualTo(MigrateRequest.MAX_SESSIONS);
        assertThat(migrate.path("targets").path("maxItems").asInt()).isEqualTo(Limits.MAX_TARGETS);
        JsonNode peers = schemas.path("PeersRequest").path("properties");
        assertThat(peers.path("peers").path("maxItems").asInt()).isEqualTo(PeersRequest.MAX_PEERS);
        assertThat(schemas.path("HostPort").path("maxLength").asInt()).isEqualTo(TargetAddress.MAX_LENGTH);
        assertThat(SessionCounts.STATES)
                .allSatisfy(s -> assertThat(schemas.path("SessionCounts")
                                .path("properties")
                                .path("byState")
                                .path("description")
                                .asText())
                        .contains(s));
    }

    @Test
    void theDocumentsExamplesAreValidRequests() throws IOException {
        ObjectMapper json = new ObjectMapper();
        assertThatCode(() -> DrainRequest.fromJson(bytes(json, "DrainRequest"))).doesNotThrowAnyException();
        assertThatCode(() -> MigrateRequest.fromJson(bytes(json, "MigrateRequest")))
                .doesNotThrowAnyException();
        assertThatCode(() -> PeersRequest.fromJson(bytes(json, "PeersRequest"))).doesNotThrowAnyException();
        assertThatCode(() -> TargetAddress.check(
                        "example", schemas.path("HostPort").path("example").asText()))
                .doesNotThrowAnyException();
        for (String example : DrainRequest.EXAMPLE.split(" or ")) DrainRequest.fromJson(utf8(example));
        for (String example : MigrateRequest.EXAMPLE.split(" or ")) MigrateRequest.fromJson(utf8(example));
        PeersRequest.fromJson(utf8(PeersRequest.EXAMPLE));
    }

    private static byte[] bytes(ObjectMapper json, String schema) throws IOException {
        return json.writeValueAsBytes(schemas.path(schema).path("example"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void checkRecord(Class<?> type, JsonNode schema) {
        String name = type.getSimpleName();
        assertThat(schema.path("additionalProperties").asBoolean(true))
                .as("%s refuses properties it does not list", name)
                .isFalse();
        Set<String> documented = new TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(documented::add);
        Set<String> components = new TreeSet<>();
        Set<String> alwaysWritten = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            components.add(c.getName());
            if (!omittedWhenNull(type, c)) alwaysWritten.add(c.getName());
        }
        assertThat(documented).as("properties of %s", name).isEqualTo(components);
        Set<String> required = new TreeSet<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        if (type == MigrateRequest.class) {
            // count and sessions: exactly one is required, which the document says with oneOf.
            assertThat(required).containsExactly("targets");
        } else {
            assertThat(required).as("required properties of %s", name).isEqualTo(alwaysWritten);
        }
        for (RecordComponent c : type.getRecordComponents()) {
            JsonNode property = schema.path("properties").path(c.getName());
            checkType(name + "." + c.getName(), c.getGenericType(), property);
            if (c.getType().isPrimitive()) {
                assertThat(property.path("nullable").asBoolean(false))
                        .as("%s.%s cannot be null", name, c.getName())
                        .isFalse();
            }
        }
    }

    private static boolean omittedWhenNull(Class<?> type, RecordComponent c) {
        JsonInclude onType = type.getAnnotation(JsonInclude.class);
        JsonInclude onComponent = c.getAccessor().getAnnotation(JsonInclude.class);
        JsonInclude in = onComponent != null ? onComponent : onType;
        return in != null && in.value() == JsonInclude.Include.NON_NULL;
    }

    private static void checkType(String where, Type javaType, JsonNode schema) {
        if (javaType instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (List.class.isAssignableFrom(raw)) {
                assertThat(schema.path("type").asText()).as(where).isEqualTo("array");
                checkType(where + "[]", p.getActualTypeArguments()[0], schema.path("items"));
                return;
            }
            if (Map.class.isAssignableFrom(raw)) {
                assertThat(p.getActualTypeArguments()[0]).as(where + " keys").isEqualTo(String.class);
                assertThat(schema.path("type").asText()).as(where).isEqualTo("object");
                checkType(where + "{}", p.getActualTypeArguments()[1], schema.path("additionalProperties"));
                return;
            }
            throw new AssertionError(where + ": no JSON mapping for " + javaType);
        }
        Class<?> c = (Class<?>) javaType;
        if (c.isRecord()) {
            JsonNode ref = schema.has("$ref") ? schema : schema.path("allOf").path(0);
            assertThat(ref.path("$ref").asText()).as(where).isEqualTo(REF + c.getSimpleName());
            return;
        }
        JsonNode resolved = schema.has("$ref") ? schemas.path(refName(schema)) : schema;
        if (c.isEnum()) {
            assertThat(resolved.path("type").asText()).as(where).isEqualTo("string");
            List<String> documented = new ArrayList<>();
            resolved.path("enum").forEach(v -> documented.add(v.asText()));
            List<String> constants = Arrays.stream(c.getEnumConstants())
                    .map(v -> ((Enum<?>) v).name())
                    .toList();
            assertThat(documented).as(where + " values").isEqualTo(constants);
            return;
        }
        String[] expected = jsonType(c);
        assertThat(resolved.path("type").asText()).as(where).isEqualTo(expected[0]);
        if (expected[1] != null)
            assertThat(resolved.path("format").asText()).as(where + " format").isEqualTo(expected[1]);
    }

    /** The JSON type and OpenAPI format of a Java type the records use. */
    private static String[] jsonType(Class<?> c) {
        if (c == long.class || c == Long.class) return new String[] {"integer", "int64"};
        if (c == int.class || c == Integer.class) return new String[] {"integer", "int32"};
        if (c == double.class || c == Double.class) return new String[] {"number", "double"};
        if (c == boolean.class || c == Boolean.class) return new String[] {"boolean", null};
        if (c == String.class) return new String[] {"string", null};
        throw new AssertionError("no JSON mapping for " + c);
    }

    private static Class<?> contractClass(String schemaName) {
        try {
            return Class.forName(AdminPaths.class.getPackageName() + "." + schemaName);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("schema " + schemaName + " has no record " + schemaName + " in the contract", e);
        }
    }

    private static String refName(JsonNode schema) {
        String ref = schema.path("$ref").asText();
        assertThat(ref).startsWith(REF);
        return ref.substring(REF.length());
    }

    private static JsonNode resolveResponse(JsonNode response) {
        if (!response.has("$ref")) return response;
        String ref = response.path("$ref").asText();
        assertThat(ref).startsWith("#/components/responses/");
        JsonNode resolved = doc.path("components").path("responses").path(ref.substring(ref.lastIndexOf('/') + 1));
        assertThat(resolved.isMissingNode()).as(ref).isFalse();
        return resolved;
    }

    private static void collectRefs(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("$ref") && e.getValue().asText().startsWith(REF)) {
                    into.add(e.getValue().asText().substring(REF.length()));
                } else {
                    collectRefs(e.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, into));
        }
    }
}
