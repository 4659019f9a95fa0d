package dev.ferry.node.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a result comes from, in the shape the report generator reads ({@code provenance} in
 * bench/results/*.json, see bench's {@code dev.ferry.bench.report.Provenance}): the commit checked out, whether
 * tracked files differed from it, the JVM, the benchmark's exact arguments, and whether the sizes were a smoke run.
 */
record Provenance(
        String commit, Boolean dirty, List<String> dirtyPaths, String jvm, List<String> arguments, boolean smoke) {

    /** As many changed paths as the report generator shows. */
    static final int MAX_DIRTY_PATHS = 40;

    Provenance {
        dirtyPaths = dirtyPaths == null ? List.of() : List.copyOf(dirtyPaths);
        arguments = arguments == null ? List.of() : List.copyOf(arguments);
    }

    /** The provenance of this run, from git in {@code repo}. */
    static Provenance capture(Path repo, List<String> arguments, boolean smoke) {
        String commit = git(repo, "rev-parse", "HEAD");
        // Tracked files only: build output and logs git ignores or does not know do not make a build differ.
        String status = commit == null ? null : git(repo, "status", "--porcelain", "--untracked-files=no");
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

    /** The first 10 characters of the commit and "+dirty" when the tree differed, for the terminal. */
    String shortText() {
        String c = commit == null ? "unknown commit" : commit.substring(0, Math.min(10, commit.length()));
        return Boolean.TRUE.equals(dirty) ? c + " (+ uncommitted changes)" : c;
    }

    /** The output of a git command, or null when git is missing, fails or {@code repo} is not a repository. */
    private static String git(Path repo, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = repo.toString();
        System.arraycopy(args, 0, command, 3, args.length);
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
}
