package dev.ferry.controlplane;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes what helps to understand a failed test into {@code <logDir>/<class>/<test>/}. */
final class FailureReport {

    private static final Logger log = LoggerFactory.getLogger(FailureReport.class);
    private static final int MAX_LINES = 3000;
    private static final int BEFORE_LINES = 300;
    private static final String MARKER = "===================== the failed test started here =====================";

    /** Byte offsets of the process logs when the test started. */
    record LogMarks(long apiServer, long controllerManager, long scheduler) {}

    private FailureReport() {}

    static void write(ControlPlane cp, TestNamespace ns, ExtensionContext context, Throwable cause, LogMarks marks) {
        String testClass = context.getTestClass().map(Class::getName).orElse("unknown");
        String test = safe(context.getTestMethod().map(m -> m.getName()).orElse("class") + "-"
                + context.getUniqueId().hashCode());
        Path dir = cp.settings().logDir().resolve(safe(testClass)).resolve(test);
        try {
            Files.createDirectories(dir);
            StringWriter trace = new StringWriter();
            try (PrintWriter w = new PrintWriter(trace)) {
                w.printf("test: %s%n", context.getUniqueId());
                w.printf("time: %s%n", Instant.now());
                w.printf(
                        "kubernetes: v%s at %s (kubeconfig %s)%n",
                        cp.kubeVersion(), cp.masterUrl(), cp.kubeconfigFile());
                w.printf("namespaces: %s%n%n", ns == null ? "-" : ns.namespaces());
                appendTrace(w, cause);
            }
            Files.writeString(dir.resolve("failure.txt"), trace.toString(), StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve("kube-apiserver.log"),
                    LogFiles.around(
                                    cp.apiServerLog(),
                                    marks == null ? 0 : marks.apiServer(),
                                    BEFORE_LINES,
                                    MAX_LINES,
                                    MARKER)
                            + "\n",
                    StandardCharsets.UTF_8);
            ControllerManager kcm = cp.runningControllerManager();
            if (kcm != null) {
                Files.writeString(
                        dir.resolve("kube-controller-manager.log"),
                        LogFiles.around(
                                        kcm.logFile(),
                                        marks == null ? 0 : marks.controllerManager(),
                                        BEFORE_LINES,
                                        MAX_LINES,
                                        MARKER)
                                + "\n",
                        StandardCharsets.UTF_8);
            }
            KubeScheduler ks = cp.runningScheduler();
            if (ks != null) {
                Files.writeString(
                        dir.resolve("kube-scheduler.log"),
                        LogFiles.around(
                                        ks.logFile(),
                                        marks == null ? 0 : marks.scheduler(),
                                        BEFORE_LINES,
                                        MAX_LINES,
                                        MARKER)
                                + "\n",
                        StandardCharsets.UTF_8);
            }
            if (ns != null) {
                StringBuilder events = new StringBuilder();
                StringBuilder pods = new StringBuilder();
                for (String n : ns.namespaces()) {
                    events.append("# namespace ")
                            .append(n)
                            .append('\n')
                            .append(events(cp, n))
                            .append('\n');
                    pods.append("# namespace ")
                            .append(n)
                            .append('\n')
                            .append(pods(cp, n))
                            .append('\n');
                }
                Files.writeString(dir.resolve("events.txt"), events, StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("pods.txt"), pods, StandardCharsets.UTF_8);
            }
            log.info("Saved control plane logs for failed {} in {}", context.getDisplayName(), dir);
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write control plane logs to {}", dir, e);
        }
    }

    private static String events(ControlPlane cp, String namespace) {
        List<Event> list =
                cp.adminClient().v1().events().inNamespace(namespace).list().getItems();
        return list.stream()
                .sorted(Comparator.comparing(
                        FailureReport::eventTime, Comparator.nullsFirst(Comparator.naturalOrder())))
                .map(e -> String.join(
                        "\t",
                        Objects.toString(eventTime(e), "-"),
                        Objects.toString(e.getType(), "-"),
                        Objects.toString(e.getReason(), "-"),
                        e.getInvolvedObject() == null
                                ? "-"
                                : e.getInvolvedObject().getKind() + "/"
                                        + e.getInvolvedObject().getName(),
                        "x" + Objects.requireNonNullElse(e.getCount(), 1),
                        Objects.toString(e.getMessage(), "")))
                .collect(Collectors.joining("\n", "", list.isEmpty() ? "(no events)\n" : "\n"));
    }

    private static String eventTime(Event e) {
        if (e.getLastTimestamp() != null) {
            return e.getLastTimestamp();
        }
        if (e.getEventTime() != null) {
            return e.getEventTime().getTime();
        }
        return e.getMetadata().getCreationTimestamp();
    }

    private static String pods(ControlPlane cp, String namespace) {
        List<Pod> list = cp.adminClient().pods().inNamespace(namespace).list().getItems();
        return list.stream()
                .map(p -> String.join(
                        "\t",
                        p.getMetadata().getName(),
                        p.getStatus() == null
                                ? "-"
                                : Objects.toString(p.getStatus().getPhase(), "-"),
                        Objects.toString(p.getSpec().getNodeName(), "-"),
                        Objects.toString(p.getMetadata().getDeletionTimestamp(), "")))
                .collect(Collectors.joining("\n", "", list.isEmpty() ? "(no pods)\n" : "\n"));
    }

    /** The cause chain with stack frames, as a test report shows it. */
    private static void appendTrace(PrintWriter w, Throwable cause) {
        String prefix = "";
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            w.println(prefix + t);
            for (StackTraceElement frame : t.getStackTrace()) {
                w.println("\tat " + frame);
            }
            prefix = "Caused by: ";
        }
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]+", "_");
    }
}
