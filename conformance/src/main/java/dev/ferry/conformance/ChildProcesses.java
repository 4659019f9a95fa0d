package dev.ferry.conformance;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every server and driver process the harness started and that is still running; a JVM shutdown hook kills them,
 * so a test JVM that is killed or crashes mid-scenario leaves no server listening behind it. (Normal runs stop them
 * in {@link Fleet#close()} and {@link DriverProcess#close()}.)
 */
final class ChildProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::killAll, "ferry-conformance-reaper"));
    }

    private static void killAll() {
        for (Process p : LIVE) {
            // A JVM writing its AOT cache at exit runs a child JVM of its own.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private ChildProcesses() {}

    static Process track(Process process) {
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        return process;
    }
}
