package dev.ferry.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Property: whatever a scenario file holds, the parser either accepts it or throws a {@link ScenarioFormatException}
 * that names the file; never another exception (a NullPointerException or ClassCastException would leave a
 * scenario author with a stack trace instead of a field name). Inputs are the shipped scenarios, mutated: a value
 * replaced by one of another type or out of range, a field removed or added, the text cut or a byte changed.
 */
class ScenarioFileFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> SHIPPED = shipped();

    private static List<String> shipped() {
        try (Stream<Path> files = Files.list(ConformanceRun.scenarioDirectory())) {
            List<String> texts = new ArrayList<>();
            for (Path p :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                texts.add(Files.readString(p));
            }
            return texts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 2000)
    void mutatedScenariosParseOrFailWithAFormatError(@ForAll long seed) throws IOException {
        Random random = new Random(seed);
        String base = SHIPPED.get(random.nextInt(SHIPPED.size()));
        String text;
        if (random.nextInt(4) == 0) {
            text = mutateText(base, random);
        } else {
            JsonNode tree = JSON.readTree(base);
            int mutations = 1 + random.nextInt(3);
            for (int i = 0; i < mutations; i++) mutateTree(tree, random);
            text = tree.toString();
        }
        try {
            Scenario s = ScenarioFile.parse("fuzz.json", text, null);
            assertThat(s.steps()).isNotEmpty();
            assertThat(s.setup().servers()).isNotEmpty();
        } catch (ScenarioFormatException e) {
            assertThat(e.getMessage()).startsWith("fuzz.json: ");
        }
    }

    private static String mutateText(String text, Random random) {
        int at = random.nextInt(text.length());
        return switch (random.nextInt(3)) {
            case 0 -> text.substring(0, at);
            case 1 -> text.substring(0, at) + (char) (32 + random.nextInt(95)) + text.substring(at + 1);
            default -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(8)));
        };
    }

    /** Picks a random node of the tree and changes it (replaces, removes, or adds a field to it). */
    private static void mutateTree(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            int choice = random.nextInt(3);
            if (choice == 0 || names.isEmpty()) o.set(randomName(random, names), randomValue(random));
            else if (choice == 1) o.remove(names.get(random.nextInt(names.size())));
            else o.set(names.get(random.nextInt(names.size())), randomValue(random));
        } else if (target instanceof ArrayNode a) {
            if (a.isEmpty() || random.nextBoolean()) a.add(randomValue(random));
            else if (random.nextBoolean()) a.remove(random.nextInt(a.size()));
            else a.set(random.nextInt(a.size()), randomValue(random));
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) out.add(node);
        node.forEach(child -> collect(child, out));
    }

    private static String randomName(Random random, List<String> existing) {
        List<String> names = new ArrayList<>(List.of(
                "do",
                "session",
                "server",
                "to",
                "expect",
                "save",
                "ttl",
                "send",
                "type",
                "hex",
                "I",
                "S",
                "requestId",
                "rows",
                "present",
                "timeoutMs",
                "unknown"));
        names.addAll(existing);
        return names.get(random.nextInt(names.size()));
    }

    private static JsonNode randomValue(Random random) {
        return switch (random.nextInt(14)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextInt(5) - 1);
            case 2 -> NODES.numberNode(Long.MAX_VALUE);
            case 3 -> NODES.numberNode(1e300);
            case 4 -> NODES.textNode("");
            case 5 -> NODES.textNode("(");
            case 6 -> NODES.textNode("${nope}");
            case 7 -> NODES.booleanNode(random.nextBoolean());
            case 8 -> NODES.arrayNode();
            case 9 -> NODES.objectNode();
            case 10 ->
                NODES.arrayNode().add(NODES.numberNode(random.nextInt(3))).add("x");
            case 11 -> NODES.objectNode().put("type", "HELLO").put("hex", "0g");
            case 12 ->
                NODES.textNode(List.of("hello", "raw", "connect", "storeKey", "HELLO", "COMMAND")
                        .get(random.nextInt(6)));
            default -> NODES.numberNode(-1.5);
        };
    }
}
