package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request body read as one JSON object, with field accessors that refuse anything but the
 * expected shape. Every refusal is a 400 naming the field, saying what was expected, and showing
 * a correct example body.
 */
final class JsonBody {
    private final ObjectNode object;
    private final String example;

    private JsonBody(ObjectNode object, String example) {
        this.object = object;
        this.example = example;
    }

    /**
     * @param allowedFields the only fields the endpoint knows; any other is refused (a typo such
     *                      as "rate" for "ratePerSecond" must not be silently ignored)
     * @param example       a valid body, shown in every error message
     */
    static JsonBody parse(AdminRequest request, Set<String> allowedFields, String example) throws AdminException {
        if (!request.hasBody()) {
            throw AdminException.badRequest("request body is empty; expected a JSON object, e.g. " + example);
        }
        JsonNode root;
        try {
            root = Json.parse(request.body());
        } catch (AdminException e) {
            throw AdminException.badRequest(e.getMessage() + "; e.g. " + example);
        }
        if (root == null || root.isMissingNode()) {
            throw AdminException.badRequest("request body is empty; expected a JSON object, e.g. " + example);
        }
        if (!root.isObject()) {
            throw AdminException.badRequest(
                    "request body must be a JSON object, got " + Json.describe(root) + "; e.g. " + example);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowedFields.contains(name)) {
                throw AdminException.badRequest("unknown field '" + abbreviate(name) + "'; this endpoint accepts only "
                        + String.join(", ", new TreeSet<>(allowedFields)) + ", e.g. " + example);
            }
        }
        return new JsonBody((ObjectNode) root, example);
    }

    /** Whether the field is present and not null. */
    boolean has(String field) {
        JsonNode n = object.get(field);
        return n != null && !n.isNull();
    }

    /** A required list of strings with {@code min..max} entries, each checked by {@code check}. */
    List<String> stringList(String field, int min, int max, ElementCheck check) throws AdminException {
        JsonNode n = require(field, "a list of " + min + " to " + max + " strings");
        if (!n.isArray()) throw wrongType(field, "a list of " + min + " to " + max + " strings", n);
        if (n.size() < min || n.size() > max) {
            throw AdminException.badRequest("field '" + field + "' must hold " + min + " to " + max + " entries, had "
                    + n.size() + "; e.g. " + example);
        }
        List<String> values = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            String name = field + "[" + i + "]";
            if (!e.isTextual()) throw wrongType(name, "a string", e);
            check.check(name, e.asText());
            values.add(e.asText());
        }
        return values;
    }

    /** A required number in {@code [min, max]}; integers and decimals are both fine. */
    double number(String field, double min, double max, String meaning) throws AdminException {
        JsonNode n = require(field, "a number " + meaning);
        if (!n.isNumber()) throw wrongType(field, "a number " + meaning, n);
        double v = n.asDouble();
        if (!(v >= min && v <= max)) throw outOfRange(field, "a number " + meaning, n);
        return v;
    }

    /** A required whole number in {@code [min, max]}. */
    int integer(String field, int min, int max) throws AdminException {
        String expected = "a whole number from " + min + " to " + max;
        JsonNode n = require(field, expected);
        if (!n.isNumber()) throw wrongType(field, expected, n);
        if (!n.isIntegralNumber() && !(n.isFloatingPointNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
            throw outOfRange(field, expected, n);
        }
        double v = n.asDouble();
        if (v < min || v > max) throw outOfRange(field, expected, n);
        return (int) v;
    }

    private JsonNode require(String field, String expected) throws AdminException {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            throw AdminException.badRequest("field '" + field + "' is required: " + expected + "; e.g. " + example);
        }
        return n;
    }

    private AdminException wrongType(String field, String expected, JsonNode got) {
        return AdminException.badRequest(
                "field '" + field + "' must be " + expected + ", got " + Json.describe(got) + "; e.g. " + example);
    }

    private AdminException outOfRange(String field, String expected, JsonNode got) {
        return AdminException.badRequest(
                "field '" + field + "' must be " + expected + ", got " + Json.describe(got) + "; e.g. " + example);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Validates one list entry; throws a 400 naming {@code field} (e.g. "targets[2]"). */
    @FunctionalInterface
    interface ElementCheck {
        void check(String field, String value) throws AdminException;
    }
}
