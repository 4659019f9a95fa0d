package dev.ferry.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads {@code bench/results/levers/<name>/}: its {@code lever.json} and the runs {@code before-N.json}, {@code after-N.json}. */
public final class Levers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Levers() {}

    /** Every lever under {@code dir}, by name; none when {@code dir} does not exist. */
    public static List<Lever> readAll(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> leverDirs;
        try (Stream<Path> s = Files.list(dir)) {
            leverDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        List<Lever> levers = new ArrayList<>();
        for (Path d : leverDirs) levers.add(read(d));
        return levers;
    }

    static Lever read(Path dir) throws IOException {
        Path file = dir.resolve(LeverFile.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ResultFormatException(
                    file, "", "is missing: every lever directory needs its " + LeverFile.FILE_NAME);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ResultFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
        String name = text(file, root, "name");
        if (!name.equals(dir.getFileName().toString())) {
            throw new ResultFormatException(
                    file, "name", "is '" + name + "' but the directory is '" + dir.getFileName() + "'");
        }
        JsonNode repeatNode = root.get("repeat");
        if (repeatNode == null || !repeatNode.canConvertToInt() || repeatNode.asInt() < 1) {
            throw new ResultFormatException(file, "repeat", "must be a positive whole number");
        }
        int repeat = repeatNode.asInt();
        JsonNode scenarioNode = root.get("scenario");
        if (scenarioNode == null || !scenarioNode.isArray() || scenarioNode.isEmpty()) {
            throw new ResultFormatException(file, "scenario", "must be a non-empty array of arguments");
        }
        List<String> scenario = new ArrayList<>();
        scenarioNode.forEach(n -> scenario.add(n.asText()));
        return new Lever(
                name,
                text(file, root, "what"),
                text(file, root, "before"),
                text(file, root, "after"),
                repeat,
                scenario,
                runs(dir, "before", repeat),
                runs(dir, "after", repeat));
    }

    private static List<BenchResult> runs(Path dir, String side, int repeat) throws IOException {
        List<BenchResult> runs = new ArrayList<>();
        for (int i = 1; i <= repeat; i++) {
            Path f = dir.resolve(side + "-" + i + ".json");
            if (!Files.isRegularFile(f)) {
                throw new ResultFormatException(
                        dir.resolve(LeverFile.FILE_NAME),
                        "repeat",
                        "says " + repeat + " runs per side, but " + f.getFileName() + " is missing");
            }
            runs.add(ResultFiles.read(f));
        }
        return runs;
    }

    private static String text(Path file, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw new ResultFormatException(file, field, "must be a non-empty string");
        }
        return n.asText();
    }
}
