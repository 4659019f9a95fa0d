package dev.ferry.reference;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test that needs root and system tools checks before it starts. A missing prerequisite
 * fails the test with what to do: a test that skipped itself quietly would leave a green build that
 * never ran it. Leaving such a test out is a person's decision, given as {@code -D<property>=REASON};
 * the test is then reported skipped with that reason.
 */
final class RootTestPrerequisites {
    private RootTestPrerequisites() {}

    /**
     * @param skipProperty the system property a person sets to leave the test out
     * @param needs        what root is needed for, for the message
     * @param setupScript  the script that installs {@code tools}
     * @param tools        executables the test runs, looked up on the PATH
     */
    static void require(String skipProperty, String needs, String setupScript, String... tools) {
        String reason = System.getProperty(skipProperty, "").strip();
        Assumptions.assumeTrue(reason.isEmpty(), () -> "left out on request (-D" + skipProperty + "): " + reason);
        List<String> problems = new ArrayList<>();
        String uid = effectiveUid();
        if (!"0".equals(uid)) problems.add("it runs as uid " + uid + ", not root");
        List<String> missing = new ArrayList<>();
        for (String tool : tools) if (!onPath(tool)) missing.add(tool);
        if (!missing.isEmpty())
            problems.add("not on the PATH: " + String.join(", ", missing) + " (run " + setupScript + " as root)");
        if (!problems.isEmpty()) {
            throw new AssertionError("this test needs root for " + needs + ", but " + String.join("; ", problems)
                    + ". Run the build as root after " + setupScript + ", or leave the test out on purpose with -D"
                    + skipProperty + "=REASON");
        }
    }

    /** The effective uid from /proc (Linux; the tests that need root create network namespaces anyway). */
    private static String effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.substring(4).strip().split("\\s+")[1];
            }
            return "unknown (no Uid line in /proc/self/status)";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && new File(dir, tool).canExecute()) return true;
        }
        return false;
    }
}
