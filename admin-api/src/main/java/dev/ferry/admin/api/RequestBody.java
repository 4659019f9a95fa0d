package dev.ferry.admin.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request body read as one JSON object, with accessors that refuse anything but the expected
 * JSON types. Bounds are the records' own checks; this class only makes sure a field has the JSON
 * type the record component needs, so that each refusal names the field rather than a Jackson
 * class.
 */
final class RequestBody {
    /** Reads one value and leaves what follows to {@link #parse}, which says what came after it in its own words. */
    private static final ObjectReader TREE =
            AdminJson.STRICT.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode object;
    private final String example;

    private RequestBody(ObjectNode object, String example) {
        this.object = object;
        this.example = example;
    }

    /**
     * @param example       a valid body, shown in every error message
     * @param allowedFields the only fields the endpoint knows; any other is refused (a typo such as
     *                      "rate" for "ratePerSecond" must not be silently ignored)
     */
    static RequestBody parse(byte[] body, String example, String... allowedFields) {
        if (body == null || body.length == 0) {
            throw new InvalidRequestException("request body is empty; expected a JSON object, e.g. " + example);
        }
        JsonNode root;
        try (JsonParser parser = AdminJson.STRICT.createParser(body)) {
            root = TREE.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                JsonLocation at = parser.currentTokenLocation();
                throw new InvalidRequestException("request body holds more than one JSON value: another starts at line "
                        + at.getLineNr() + ", column " + at.getColumnNr() + "; send one JSON object, e.g. " + example);
            }
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")";
            throw new InvalidRequestException(
                    "request body is not valid JSON" + where + ": " + e.getOriginalMessage() + "; e.g. " + example);
        } catch (IOException e) {
            throw new InvalidRequestException(
                    "request body could not be read as JSON: " + e.getMessage() + "; e.g. " + example);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidRequestException("request body is empty; expected a JSON object, e.g. " + example);
        }
        if (!root.isObject()) {
            throw new InvalidRequestException(
                    "request body must be a JSON object, got " + describe(root) + "; e.g. " + example);
        }
        Set<String> allowed = new TreeSet<>(List.of(allowedFields));
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new InvalidRequestException("unknown field '" + Fields.abbreviate(name, 60)
                        + "'; this endpoint accepts only " + String.join(", ", allowed) + ", e.g. " + example);
            }
        }
        return new RequestBody((ObjectNode) root, example);
    }

    /** Whether the field is present and not null. */
    boolean has(String field) {
        JsonNode n = object.get(field);
        return n != null && !n.isNull();
    }

    /** A list of strings, or null when the field is absent (the record says whether it is required). */
    List<String> strings(String field, int min, int max) {
        if (!has(field)) return null;
        JsonNode n = object.get(field);
        if (!n.isArray()) throw Fields.wrong(field, Fields.listOf(min, max), describe(n), example);
        List<String> values = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) throw Fields.wrong(field + "[" + i + "]", "a string", describe(e), example);
            values.add(e.asText());
        }
        return values;
    }

    /** A required number; integers and decimals are both fine. */
    double requiredNumber(String field, String expected) {
        if (!has(field)) throw Fields.required(field, expected, example);
        JsonNode n = object.get(field);
        if (!n.isNumber()) throw Fields.wrong(field, expected, describe(n), example);
        return n.asDouble();
    }

    /** A whole number ("3" and "3.0" both are) in {@code [min, max]}, for a field that is present. */
    int wholeNumber(String field, int min, int max) {
        JsonNode n = object.get(field);
        String expected = Fields.wholeNumber(min, max);
        if (!n.isNumber()) throw Fields.wrong(field, expected, describe(n), example);
        double v = n.asDouble();
        boolean whole = n.isIntegralNumber() || v == Math.rint(v);
        if (!whole || !(v >= min && v <= max)) throw Fields.wrong(field, expected, describe(n), example);
        return (int) v;
    }

    /** How a JSON value looks, for error messages ("a string \"abc\"", "null", "an array"). */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        if (node.isNull()) return "null";
        if (node.isTextual()) return "a string " + Fields.abbreviate(node.toString(), 80);
        if (node.isBoolean()) return "a boolean " + node.asText();
        if (node.isNumber()) return "the number " + Fields.abbreviate(node.asText(), 80);
        if (node.isArray()) return "an array";
        if (node.isObject()) return "an object";
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
