package dev.ferry.operator.autoscale;

import dev.ferry.operator.model.AutoscalingStatus.Recommendation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoscaler's recent recommendations as a step function: each holds from its time until the next
 * one. Only changes are kept, so a steady fleet keeps one entry (and writes no status).
 */
final class RecommendationWindow {

    private final List<Recommendation> steps;

    RecommendationWindow(List<Recommendation> steps) {
        this.steps = new ArrayList<>(steps == null ? List.of() : steps);
        this.steps.sort((a, b) -> Instant.parse(a.getAt()).compareTo(Instant.parse(b.getAt())));
    }

    /** Adds {@code replicas} as the recommendation from {@code now} on, unless it is already the current one. */
    void record(int replicas, Instant now) {
        if (!steps.isEmpty() && steps.get(steps.size() - 1).getReplicas() == replicas) {
            return;
        }
        steps.add(new Recommendation(now.toString(), replicas));
    }

    /**
     * The lowest recommendation in force at any time during the last {@code window}; for the part of the
     * window before the first recommendation, {@code before} (the replicas then) counts as one.
     */
    int lowest(Duration window, Instant now, int before) {
        return values(window, now, before).stream()
                .mapToInt(Integer::intValue)
                .min()
                .orElseThrow();
    }

    /** The highest recommendation in force during the last {@code window}, {@code before} as in {@link #lowest}. */
    int highest(Duration window, Instant now, int before) {
        return values(window, now, before).stream()
                .mapToInt(Integer::intValue)
                .max()
                .orElseThrow();
    }

    private List<Integer> values(Duration window, Instant now, int before) {
        List<Integer> values = new ArrayList<>(
                inForce(window, now).stream().map(Recommendation::getReplicas).toList());
        if (Instant.parse(steps.get(0).getAt()).isAfter(now.minus(window))) {
            values.add(before);
        }
        return values;
    }

    /** The steps that still matter for a window of {@code keep}: those in it and the one in force at its start. */
    List<Recommendation> kept(Duration keep, Instant now) {
        return List.copyOf(inForce(keep, now));
    }

    private List<Recommendation> inForce(Duration window, Instant now) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("no recommendation recorded");
        }
        Instant start = now.minus(window);
        List<Recommendation> result = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            boolean lastStep = i == steps.size() - 1;
            // A step is in force during the window unless the next one began before the window did.
            if (lastStep || Instant.parse(steps.get(i + 1).getAt()).isAfter(start)) {
                result.add(steps.get(i));
            }
        }
        return result;
    }
}
