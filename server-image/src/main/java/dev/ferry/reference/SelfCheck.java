package dev.ferry.reference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reports, from inside a running server container, the restrictions the pod's security context put on it: run it
 * next to the server with {@code kubectl exec POD -c server -- java -cp @/app/jib-classpath-file
 * dev.ferry.reference.SelfCheck}. It prints one {@code key=value} line per fact: the user and group, the
 * effective and bounding capabilities, no_new_privs, the seccomp mode, and whether the root file system and
 * /tmp accept a new file. Exit code 0; the reader judges.
 */
public final class SelfCheck {

    private SelfCheck() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        Map<String, String> status = procStatus();
        facts.put("uid", firstField(status.get("Uid")));
        facts.put("gid", firstField(status.get("Gid")));
        facts.put("capEff", status.get("CapEff"));
        facts.put("capBnd", status.get("CapBnd"));
        facts.put("noNewPrivs", status.get("NoNewPrivs"));
        facts.put("seccomp", status.get("Seccomp"));
        facts.put("rootWritable", writable(Path.of("/")));
        facts.put("appWritable", writable(Path.of("/app")));
        facts.put("tmpWritable", writable(Path.of("/tmp")));
        facts.forEach((k, v) -> System.out.println(k + "=" + v));
    }

    private static Map<String, String> procStatus() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon > 0)
                out.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return out;
    }

    private static String firstField(String s) {
        return s == null ? "unknown" : s.split("\\s+")[0];
    }

    /** "true", or "false (why)" when a new file cannot be created there. */
    private static String writable(Path dir) {
        try {
            Path f = Files.createTempFile(dir, "ferry-selfcheck", ".tmp");
            Files.delete(f);
            return "true";
        } catch (IOException | SecurityException e) {
            return "false (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }
}
