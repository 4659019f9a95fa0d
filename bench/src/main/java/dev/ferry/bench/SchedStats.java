package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long the threads of a process ran and how long they waited in the kernel's run queue (ready
 * but without a CPU), from {@code /proc/<pid>/task/<tid>/schedstat}: "ns on CPU, ns waiting,
 * timeslices". CPU sampling profilers (JFR, async-profiler) cannot see that wait — a thread that
 * waits for a CPU takes no samples — yet on an oversubscribed machine it is where a latency goes:
 * a frame sits in the socket until its event loop gets a CPU.
 *
 * <p>Threads that exit between two snapshots take their figures with them, so a difference is a
 * lower bound for short-lived threads; the event loops and the store connection live throughout.
 */
final class SchedStats {

    /** Totals over all threads of one process. */
    record Totals(long runNanos, long waitNanos, long timeslices) {
        Totals minus(Totals o) {
            return new Totals(runNanos - o.runNanos, waitNanos - o.waitNanos, timeslices - o.timeslices);
        }

        double runMillis() {
            return runNanos / 1e6;
        }

        double waitMillis() {
            return waitNanos / 1e6;
        }

        /** Mean time a thread waited for a CPU each time it became ready to run. */
        double meanWaitPerSliceMillis() {
            return timeslices <= 0 ? 0 : waitNanos / 1e6 / timeslices;
        }
    }

    private SchedStats() {}

    /** Per named process; processes that cannot be read (gone, or no schedstat) are left out. */
    static Map<String, Totals> snapshot(Map<String, Long> pids) {
        Map<String, Totals> m = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            Totals t = process(pid);
            if (t != null) m.put(name, t);
        });
        return m;
    }

    static Map<String, Totals> minus(Map<String, Totals> after, Map<String, Totals> before) {
        Map<String, Totals> d = new LinkedHashMap<>();
        after.forEach((k, v) -> {
            Totals b = before.get(k);
            if (b != null) d.put(k, v.minus(b));
        });
        return d;
    }

    static Totals process(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long run = 0, wait = 0, slices = 0;
        boolean any = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
            for (Path task : ds) {
                long[] f = parse(task.resolve("schedstat"));
                if (f == null) continue; // the thread exited while we listed
                run += f[0];
                wait += f[1];
                slices += f[2];
                any = true;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return any ? new Totals(run, wait, slices) : null;
    }

    /** Parses "run wait slices"; null when the file is gone or not in that form. */
    static long[] parse(Path schedstat) {
        try {
            return parse(Files.readString(schedstat));
        } catch (IOException e) {
            return null;
        }
    }

    static long[] parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 3) return null;
        try {
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
