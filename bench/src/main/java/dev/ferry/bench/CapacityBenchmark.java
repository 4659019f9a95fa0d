package dev.ferry.bench;

import static dev.ferry.bench.report.Measures.figure;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle sessions held by one reference server process, stepped up to what the machine allows, with
 * the server's heap after a full GC and its resident set at each step. Clients are spread over
 * several worker processes, so only the server's own open-file limit bounds the count. The step
 * with no session is the baseline every per-session figure is measured from.
 */
final class CapacityBenchmark {
    private static final Logger log = LoggerFactory.getLogger(CapacityBenchmark.class);
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    static final int TARGET_SESSIONS = 100_000;

    record Options(List<Integer> steps, int workers, ProcessFleet.Launch launch) {}

    record Step(int sessions, double heapMiB, double rssMiB) {}

    static BenchResult run(Options o, String command) throws Exception {
        double[] loadBefore = Measures.loadAverage();
        String at = Measures.now();
        List<Step> steps = new ArrayList<>();
        String stoppedBecause = null;
        long fileLimit;
        try (ProcessFleet fleet = new ProcessFleet(o.launch(), 1, o.workers(), 1)) {
            ProcessFleet.Server server = fleet.server(0);
            long pid = server.process().pid();
            fileLimit = openFileLimit(pid);
            steps.add(measure(0, pid, o.launch()));
            int held = 0;
            for (int target : o.steps()) {
                int more = target - held;
                if (more <= 0) continue;
                // Opens that fail (a connect timing out on a busy machine) are tried again, twice;
                // what is still missing after that is the limit.
                int holding = held;
                for (int attempt = 0; attempt < 3 && holding < target; attempt++) {
                    holding = add(fleet, target - holding);
                }
                long serverHolds = server.admin().status().sessions().total();
                log.info("step {}: workers hold {}, server reports {}", target, holding, serverHolds);
                if (holding < target) {
                    stoppedBecause = String.format(
                            Locale.ROOT,
                            "at the %,d step only %,d sessions opened after three tries (the server's open-file limit is %,d; the worker logs say why the rest failed)",
                            target,
                            holding,
                            fileLimit);
                    steps.add(measure(holding, pid, o.launch()));
                    break;
                }
                held = holding;
                steps.add(measure(held, pid, o.launch()));
            }
        }
        return result(o, steps, stoppedBecause, fileLimit, loadBefore, at, command);
    }

    /** Spreads {@code more} new sessions over the workers; returns how many they hold in all. */
    private static int add(ProcessFleet fleet, int more) throws Exception {
        List<ChildProcess> workers = fleet.workers();
        for (int i = 0; i < workers.size(); i++) {
            int share = more / workers.size() + (i < more % workers.size() ? 1 : 0);
            workers.get(i).send("ADD " + fleet.server(0).address() + " " + share);
        }
        int holding = 0;
        for (ChildProcess w : workers) {
            WorkerProtocol.Message m = WorkerProtocol.parse(
                    w.await("OPENED", Duration.ofMinutes(5)).text());
            if (!m.word().equals("OPENED"))
                throw new IllegalStateException(w.name() + " said " + m.word() + " " + m.body());
            holding += m.body().path("holding").asInt();
        }
        return holding;
    }

    private static Step measure(int sessions, long pid, ProcessFleet.Launch launch) throws Exception {
        String jcmd = Path.of(launch.java()).resolveSibling("jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        String info = run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) throw new IllegalStateException("no 'used NK' in jcmd GC.heap_info output: " + info);
        double heap = Long.parseLong(m.group(1)) / 1024.0;
        double rss = statusKiB(pid, "VmRSS") / 1024.0;
        log.info("{} sessions: heap {} MiB, RSS {} MiB", sessions, heap, rss);
        return new Step(sessions, heap, rss);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + out);
        return out;
    }

    private static long statusKiB(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    private static long openFileLimit(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith("Max open files"))
                return Long.parseLong(line.trim().split("\\s+")[3]);
        }
        return -1;
    }

    private static BenchResult result(
            Options o,
            List<Step> steps,
            String stoppedBecause,
            long fileLimit,
            double[] loadBefore,
            String at,
            String command) {
        Step empty = steps.getFirst();
        Step top = steps.getLast();
        double heapPer = top.sessions() == 0 ? 0 : (top.heapMiB() - empty.heapMiB()) * 1024 / top.sessions();
        double rssPer = top.sessions() == 0 ? 0 : (top.rssMiB() - empty.rssMiB()) * 1024 / top.sessions();
        List<BenchResult.Figure> figures = new ArrayList<>();
        // Without a failed step the top step is only a lower bound: say so in the figure itself.
        String held = stoppedBecause == null
                ? "idle sessions held by one server process: at least this many (the largest step tried; no step failed)"
                : "idle sessions held by one server process: the most reached (opening more failed)";
        figures.add(figure(
                held,
                "sessions",
                (double) top.sessions(),
                null,
                ">= " + TARGET_SESSIONS,
                top.sessions() >= TARGET_SESSIONS));
        for (Step s : steps.subList(1, steps.size())) {
            figures.add(figure(
                    String.format(Locale.ROOT, "heap used after GC at %,d sessions", s.sessions()),
                    "MiB",
                    round(s.heapMiB()),
                    round(empty.heapMiB()),
                    null,
                    null));
            figures.add(figure(
                    String.format(Locale.ROOT, "RSS at %,d sessions", s.sessions()),
                    "MiB",
                    round(s.rssMiB()),
                    round(empty.rssMiB()),
                    null,
                    null));
        }
        figures.add(figure("heap per session (top step minus empty server)", "KiB", round(heapPer), null, null, null));
        figures.add(figure("RSS per session (top step minus empty server)", "KiB", round(rssPer), null, null, null));
        double heap100k = empty.heapMiB() + heapPer * TARGET_SESSIONS / 1024;
        double rss100k = empty.rssMiB() + rssPer * TARGET_SESSIONS / 1024;
        figures.add(figure("heap extrapolated to 100,000 sessions", "MiB", round(heap100k), null, null, null));
        figures.add(figure("RSS extrapolated to 100,000 sessions", "MiB", round(rss100k), null, null, null));
        double[] x = steps.stream().mapToDouble(Step::sessions).toArray();
        List<BenchResult.Chart> charts = List.of(new BenchResult.Chart(
                "capacity-memory",
                "Capacity: server memory vs idle sessions",
                "line",
                "idle sessions",
                "MiB",
                List.of(
                        new BenchResult.Series(
                                "heap used after full GC",
                                x,
                                steps.stream().mapToDouble(Step::heapMiB).toArray()),
                        new BenchResult.Series(
                                "resident set (RSS)",
                                x,
                                steps.stream().mapToDouble(Step::rssMiB).toArray()))));
        List<String> notes = new ArrayList<>();
        notes.add(String.format(
                Locale.ROOT,
                "One reference server JVM (Redis store) holds idle sessions (HELLO + one session variable each) "
                        + "opened by %d client-worker JVMs, stepping through %s; after each step `jcmd GC.run`, then heap used from "
                        + "`jcmd GC.heap_info` and VmRSS from /proc. The baseline column is the same server with no session.",
                o.workers(),
                o.steps()));
        notes.add(String.format(
                Locale.ROOT,
                "100,000 sessions per server process are not reachable on this machine: every connection is a file "
                        + "descriptor and the per-process open-file limit is %,d (hard; it cannot be raised here), so one process holds "
                        + "somewhat fewer than that.%s Extrapolated linearly, 100,000 sessions would take about %.0f MiB of heap and %.0f MiB "
                        + "of RSS, well within one pod's memory; the limit is the descriptor count, not memory.",
                fileLimit,
                stoppedBecause == null
                        ? String.format(
                                Locale.ROOT,
                                " Every step up to %,d opened all its sessions, so the limit itself was not reached; "
                                        + "a step beyond it (--steps) finds it.",
                                top.sessions())
                        : " Here " + stoppedBecause + ".",
                heap100k,
                rss100k));
        notes.add(
                "Holding more per pod on this machine would need more server processes per pod (each with its own 20,000 descriptors) "
                        + "or a higher limit in the pod's runtime (`ulimit -n`/`LimitNOFILE`, which Kubernetes nodes commonly set to 1,048,576); "
                        + "neither changes what one process costs per session, which is what this measures.");
        return new BenchResult(
                "capacity",
                "Capacity: idle sessions per server process",
                at,
                command,
                Measures.machine(loadBefore),
                "the same server process with no session",
                figures,
                charts,
                notes);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
