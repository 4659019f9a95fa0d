package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * User and system CPU time of processes from {@code /proc/<pid>/stat}, and of the whole machine
 * from {@code /proc/stat}, in clock ticks (USER_HZ, 100 per second on Linux). A snapshot before
 * and one after a scenario give the CPU seconds each process spent on it, and how much the rest
 * of the machine (other builds) took meanwhile.
 */
final class CpuTimes {
    static final double TICKS_PER_SECOND = 100.0;

    record Ticks(long user, long system) {
        Ticks minus(Ticks o) {
            return new Ticks(user - o.user, system - o.system);
        }

        double userSeconds() {
            return user / TICKS_PER_SECOND;
        }

        double systemSeconds() {
            return system / TICKS_PER_SECOND;
        }

        double totalSeconds() {
            return (user + system) / TICKS_PER_SECOND;
        }
    }

    /** Per named process, plus {@code "(machine busy)"} for all CPUs of the host. */
    record Snapshot(Map<String, Ticks> byName) {
        Map<String, Ticks> minus(Snapshot before) {
            Map<String, Ticks> d = new LinkedHashMap<>();
            byName.forEach((k, v) -> {
                Ticks b = before.byName.get(k);
                if (b != null) d.put(k, v.minus(b));
            });
            return d;
        }
    }

    static final String MACHINE = "(machine busy, all processes)";

    private CpuTimes() {}

    static Snapshot snapshot(Map<String, Long> pids) {
        Map<String, Ticks> m = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            Ticks t = process(pid);
            if (t != null) m.put(name, t);
        });
        Ticks machine = machine();
        if (machine != null) m.put(MACHINE, machine);
        return new Snapshot(m);
    }

    static Ticks process(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state); utime is field 14, stime field 15.
            return new Ticks(Long.parseLong(f[11]), Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Busy ticks of the whole machine: user+nice as user, system+irq+softirq as system. */
    static Ticks machine() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal
            return new Ticks(
                    Long.parseLong(f[1]) + Long.parseLong(f[2]),
                    Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
