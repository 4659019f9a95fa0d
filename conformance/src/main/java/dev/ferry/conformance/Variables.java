package dev.ferry.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scenario's variables: {@code ${name}} in any string of a step is replaced by the value saved earlier (a
 * session ID, a resume token) or by a fleet fact ({@code ${s0.address}}, {@code ${s1.name}}).
 */
public final class Variables {
    public static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private final Map<String, String> values = new HashMap<>();

    public void put(String name, String value) {
        values.put(name, value);
    }

    public String get(String name) {
        return values.get(name);
    }

    /** {@code text} with every placeholder replaced; an unknown variable is an error of the scenario. */
    public String substitute(String text) {
        return replace(text, false);
    }

    /** For expected values, which are regular expressions: the substituted values match literally. */
    public String substituteRegex(String text) {
        return replace(text, true);
    }

    private String replace(String text, boolean quote) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new ScenarioFailure("variable ${" + m.group(1) + "} is not set (saved by no earlier step); set: "
                        + new java.util.TreeSet<>(values.keySet()));
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(quote ? Pattern.quote(v) : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A deep copy of {@code node} with every string substituted (the regex form when {@code regex}). */
    public JsonNode substituteAll(JsonNode node, boolean regex) {
        if (node == null) return null;
        if (node.isTextual()) return JsonNodeFactory.instance.textNode(replace(node.asText(), regex));
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), substituteAll(e.getValue(), regex)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(substituteAll(n, regex)));
            return copy;
        }
        return node;
    }
}
