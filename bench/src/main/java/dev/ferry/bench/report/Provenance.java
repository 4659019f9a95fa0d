package dev.ferry.bench.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a result comes from, so a reader can tell results of different builds or sizes apart:
 * the commit checked out when it ran and whether the working tree differed from it, the JVM, and
 * the exact arguments of the run. Result files written before this existed have none; the report
 * then says "not recorded" instead of guessing.
 *
 * @param commit     full commit id of {@code HEAD}, or null when git could not tell
 * @param dirty      whether tracked files differed from that commit (null when unknown)
 * @param dirtyPaths the tracked paths that differed, at most {@link #MAX_DIRTY_PATHS}
 * @param jvm        the JVM's name, vendor and version
 * @param arguments  the benchmark's own command line, exactly as it was given
 * @param smoke      true when the sizes were a smoke run (check that it works), not a measurement to compare
 */
public record Provenance(
        String commit, Boolean dirty, List<String> dirtyPaths, String jvm, List<String> arguments, boolean smoke) {
    static final int MAX_DIRTY_PATHS = 40;

    public Provenance {
        dirtyPaths = dirtyPaths == null ? List.of() : List.copyOf(dirtyPaths);
        arguments = arguments == null ? List.of() : List.copyOf(arguments);
    }

    /** The provenance of a run in this process, from {@code git} in the working directory. */
    public static Provenance capture(List<String> arguments, boolean smoke) {
        String commit = git("rev-parse", "HEAD");
        // Only tracked files: build output and logs that git ignores or does not know do not make a build differ.
        String status = commit == null ? null : git("status", "--porcelain", "--untracked-files=no");
        List<String> paths = status == null
                ? List.of()
                : status.lines()
                        .map(l -> l.length() > 3 ? l.substring(3) : l)
                        .limit(MAX_DIRTY_PATHS)
                        .toList();
        Boolean dirty = status == null ? null : !status.isBlank();
        return new Provenance(commit == null ? null : commit.strip(), dirty, paths, currentJvm(), arguments, smoke);
    }

    static String currentJvm() {
        var rt = ManagementFactory.getRuntimeMXBean();
        return rt.getVmName() + " " + rt.getVmVersion() + " (" + rt.getVmVendor() + ")";
    }

    /** The output of a git command, or null when git is missing, fails or this is not a repository. */
    private static String git(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The first 10 characters of the commit, or null. */
    public String shortCommit() {
        return commit == null ? null : commit.substring(0, Math.min(10, commit.length()));
    }
}
