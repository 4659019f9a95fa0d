package dev.ferry.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes a lever's {@code lever.json}: what was compared ({@code scripts/bench-lever.sh} calls it
 * after the runs).
 *
 * <pre>{@code
 * { "name": "client-epoll", "what": "...", "before": "<commit>", "after": "<commit>", "repeat": 3,
 *   "scenario": ["idle-drain", "--limited-rate", "0"] }
 * }</pre>
 */
public final class LeverFile {
    static final String FILE_NAME = "lever.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LeverFile() {}

    /** Arguments: file, name, what, before commit, after commit, repeat, scenario and its arguments. */
    public static void main(String[] args) throws IOException {
        if (args.length < 7) {
            throw new IllegalArgumentException(
                    "usage: LeverFile FILE NAME WHAT BEFORE-COMMIT AFTER-COMMIT REPEAT SCENARIO [ARGS...]");
        }
        write(
                Path.of(args[0]),
                args[1],
                args[2],
                args[3],
                args[4],
                Integer.parseInt(args[5]),
                Arrays.asList(args).subList(6, args.length).toArray(String[]::new));
    }

    static void write(Path file, String name, String what, String before, String after, int repeat, String... scenario)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", name);
        root.put("what", what);
        root.put("before", before);
        root.put("after", after);
        root.put("repeat", repeat);
        var list = root.putArray("scenario");
        for (String s : scenario) list.add(s);
        Files.writeString(file, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }
}
