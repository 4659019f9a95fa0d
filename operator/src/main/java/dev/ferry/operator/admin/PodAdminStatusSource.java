package dev.ferry.operator.admin;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Polls every running pod of each fleet for its {@code GET /v1/status}, all of a fleet's pods at
 * once, each call bounded by {@link PodAdminClient#TIMEOUT}, and triggers a reconciliation of the
 * fleet when an answer changed. A reconciliation reads the latest answers from here instead of
 * calling the pods itself.
 *
 * <p>A fleet whose pods are changing (a drain, a rollout, pods starting) is polled every {@link
 * #BUSY_PERIOD}, a settled one every {@link #STEADY_PERIOD}, or every {@link #AUTOSCALED_PERIOD} when
 * its sessions drive its replicas; {@link #pollSoon} asks for the next poll
 * at once (the reconciliation that marks a pod for draining wants its session count fresh).
 */
public final class PodAdminStatusSource extends AbstractEventSource<PodAdminReport, ServerFleet>
        implements ResourceEventAware<ServerFleet> {

    public static final String NAME = "pod-admin-status";
    public static final Duration BUSY_PERIOD = Duration.ofSeconds(1);
    public static final Duration STEADY_PERIOD = Duration.ofSeconds(15);
    /** A settled fleet with spec.autoscaling: how soon the autoscaler sees a change in the load. */
    public static final Duration AUTOSCALED_PERIOD = Duration.ofSeconds(5);

    private static final Logger log = Logger.getLogger(PodAdminStatusSource.class);

    /** How to reach a fleet's pods and whether the fleet is changing. */
    public interface Fleets {
        /** The fleet's pods as the pod cache shows them. */
        List<Pod> pods(ResourceID fleet);

        /** A client for the fleet's admin APIs; empty until its token (and CA, with TLS) is known. */
        Optional<PodAdminClient> admin(ResourceID fleet);

        /** Pods are being created, drained or replaced: poll often. */
        boolean busy(ResourceID fleet);

        /** The fleet's own autoscaler acts on its session counts: poll a settled fleet sooner. */
        default boolean autoscaled(ResourceID fleet) {
            return false;
        }
    }

    private record Polled(Map<String, PodAdminReport> reports, ScheduledFuture<?> next) {}

    private final Fleets fleets;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-admin-poll");
        t.setDaemon(true);
        return t;
    });
    private final Map<ResourceID, Polled> polled = new ConcurrentHashMap<>();

    public PodAdminStatusSource(Fleets fleets, Clock clock) {
        super(PodAdminReport.class, NAME);
        this.fleets = fleets;
        this.clock = clock;
    }

    /** The latest answers of the fleet's pods; polls once now if the fleet was never polled. */
    @Override
    public Set<PodAdminReport> getSecondaryResources(ServerFleet fleet) {
        ResourceID id = ResourceID.fromResource(fleet);
        Polled last = polled.get(id);
        Map<String, PodAdminReport> reports = last != null ? last.reports() : poll(id, false);
        return new HashSet<>(reports.values());
    }

    /** Polls the fleet's pods as soon as possible, instead of at the scheduled time. */
    public void pollSoon(ServerFleet fleet) {
        schedule(ResourceID.fromResource(fleet), Duration.ZERO, false);
    }

    @Override
    public void onResourceCreated(ServerFleet fleet) {
        ResourceID id = ResourceID.fromResource(fleet);
        Polled last = polled.get(id);
        if (last == null || last.next() == null) {
            schedule(id, BUSY_PERIOD, false);
        }
    }

    @Override
    public void onResourceUpdated(ServerFleet now, ServerFleet before) {
        onResourceCreated(now);
    }

    @Override
    public synchronized void onResourceDeleted(ServerFleet fleet) {
        Polled last = polled.remove(ResourceID.fromResource(fleet));
        if (last != null && last.next() != null) {
            last.next().cancel(false);
        }
    }

    /** Whether anything is kept for the fleet (tests check nothing of a deleted fleet is). */
    public boolean tracks(ResourceID fleet) {
        return polled.containsKey(fleet);
    }

    @Override
    public void stop() {
        super.stop();
        scheduler.shutdownNow();
        polled.clear();
    }

    /** {@code onlyIfKnown}: a fleet deleted meanwhile is not scheduled again. */
    private synchronized void schedule(ResourceID id, Duration delay, boolean onlyIfKnown) {
        Polled last = polled.get(id);
        if (scheduler.isShutdown() || (onlyIfKnown && last == null)) {
            return;
        }
        if (last != null && last.next() != null) {
            long pendingIn = last.next().getDelay(TimeUnit.MILLISECONDS);
            // A poll that is running now (or overdue) may have read before what the caller wants seen: only a
            // poll still to come that comes sooner makes this one unnecessary.
            if (pendingIn > 0 && pendingIn <= delay.toMillis()) {
                return;
            }
            if (pendingIn > 0) {
                last.next().cancel(false);
            }
        }
        ScheduledFuture<?> next =
                scheduler.schedule(() -> pollAndSchedule(id), delay.toMillis(), TimeUnit.MILLISECONDS);
        polled.put(id, new Polled(last == null ? Map.of() : last.reports(), next));
    }

    private void pollAndSchedule(ResourceID id) {
        try {
            poll(id, true);
        } catch (RuntimeException e) {
            log.warnf(e, "Polling the pods of %s failed", id);
        }
        schedule(id, period(id), true);
    }

    /** How soon the fleet is polled again. */
    Duration period(ResourceID id) {
        if (fleets.busy(id)) {
            return BUSY_PERIOD;
        }
        return fleets.autoscaled(id) ? AUTOSCALED_PERIOD : STEADY_PERIOD;
    }

    private Map<String, PodAdminReport> poll(ResourceID id, boolean propagate) {
        Optional<PodAdminClient> admin = fleets.admin(id);
        if (admin.isEmpty()) {
            return Map.of();
        }
        Instant at = clock.instant();
        Map<String, CompletableFuture<PodAdminStatus>> calls = new HashMap<>();
        Map<String, Boolean> expected = new HashMap<>();
        for (Pod pod : fleets.pods(id)) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            boolean running =
                    pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
            if (ip != null && running && pod.getMetadata().getDeletionTimestamp() == null) {
                calls.put(pod.getMetadata().getName(), admin.get().status(ip));
                expected.put(pod.getMetadata().getName(), isReady.test(pod));
            }
        }
        Map<String, PodAdminReport> reports = new HashMap<>();
        calls.forEach((name, call) -> {
            try {
                reports.put(name, PodAdminReport.answered(name, at, call.join()));
            } catch (RuntimeException e) {
                String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                log.debugf("No status from pod %s: %s", name, why);
                reports.put(name, PodAdminReport.failed(name, at, why, expected.get(name)));
            }
        });
        boolean changed = store(id, reports, propagate);
        if (propagate && changed && isRunning() && getEventHandler() != null) {
            getEventHandler().handleEvent(new Event(id));
        }
        return reports;
    }

    /** Keeps the answers; whether they differ from the last ones. */
    private synchronized boolean store(ResourceID id, Map<String, PodAdminReport> reports, boolean onlyIfKnown) {
        Polled last = polled.get(id);
        if (onlyIfKnown && last == null) {
            return false; // deleted meanwhile
        }
        polled.put(id, new Polled(Map.copyOf(reports), last == null ? null : last.next()));
        return last == null || !sameAnswers(last.reports(), reports);
    }

    private static boolean sameAnswers(Map<String, PodAdminReport> before, Map<String, PodAdminReport> now) {
        return before.keySet().equals(now.keySet())
                && now.values().stream().allMatch(r -> r.sameAnswer(before.get(r.pod())));
    }

    private static final Predicate<Pod> isReady = pod -> pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));

    /** The answers as a map by pod name, for the drain logic. */
    public static Map<String, PodAdminStatus> statuses(Set<PodAdminReport> reports) {
        Map<String, PodAdminStatus> out = new HashMap<>();
        reports.stream().filter(r -> r.status() != null).forEach(r -> out.put(r.pod(), r.status()));
        return out;
    }

    /** Ready pods that did not answer, with why. */
    public static List<String> failures(Set<PodAdminReport> reports) {
        return reports.stream()
                .filter(r -> r.status() == null && r.answerExpected())
                .map(r -> r.pod() + ": status: " + r.failure())
                .sorted()
                .toList();
    }
}
