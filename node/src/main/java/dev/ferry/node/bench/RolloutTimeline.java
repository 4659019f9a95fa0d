package dev.ferry.node.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples a run every tick: command latency of the tick (into the current phase's histogram and a
 * p50/p99 series) and sessions per pod as the clients see them. Phases are switched by the
 * benchmark; the latency recorded up to a switch belongs to the phase before it.
 */
final class RolloutTimeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RolloutTimeline.class);

    /** One sample; {@code seconds} relative to {@link #markZero()} (negative before it). */
    record Sample(
            long atNanos,
            double seconds,
            String phase,
            double p50Millis,
            double p99Millis,
            double maxMillis,
            long commands,
            Map<String, Integer> sessionsPerPod) {}

    private final ClosedLoopClients clients;
    private final Map<String, Histogram> phases = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private final Duration tick;
    private long zeroNanos = System.nanoTime();
    private String phase = "warm-up";

    RolloutTimeline(ClosedLoopClients clients, Duration tick) {
        this.clients = clients;
        this.tick = tick;
        this.thread = Thread.ofPlatform().daemon().name("bench-timeline").start(this::loop);
    }

    /** Times from now on are measured from here (the rollout's start). */
    synchronized void markZero() {
        zeroNanos = System.nanoTime();
    }

    /** Ends the current phase (its latency so far) and starts {@code next}. */
    synchronized void phase(String next) {
        sample();
        phase = next;
    }

    /** All latency recorded in {@code name}, microseconds (empty if the phase never ran). */
    synchronized Histogram latency(String name) {
        return phases.getOrDefault(name, new Histogram(3)).copy();
    }

    /** The samples so far, their seconds counted from the last {@link #markZero()}. */
    synchronized List<Sample> samples() {
        return samples.stream()
                .map(s -> new Sample(
                        s.atNanos(),
                        (s.atNanos() - zeroNanos) / 1e9,
                        s.phase(),
                        s.p50Millis(),
                        s.p99Millis(),
                        s.maxMillis(),
                        s.commands(),
                        s.sessionsPerPod()))
                .toList();
    }

    /** Every pod name seen in any sample, sorted. */
    synchronized Set<String> pods() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.addAll(s.sessionsPerPod().keySet()));
        return names;
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(tick);
                synchronized (this) {
                    sample();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("timeline sample failed: {}", e.toString());
            }
        }
    }

    private void sample() {
        Histogram h = clients.intervalLatency();
        phases.computeIfAbsent(phase, p -> new Histogram(3)).add(h);
        long now = System.nanoTime();
        samples.add(new Sample(
                now,
                (now - zeroNanos) / 1e9,
                phase,
                millis(h, 50),
                millis(h, 99),
                h.getMaxValue() / 1000.0,
                h.getTotalCount(),
                clients.sessionsPerServer()));
    }

    static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(5000);
        synchronized (this) {
            sample();
        }
    }
}
