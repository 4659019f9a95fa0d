package dev.ferry.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds conditions in the standard metav1 shape. A condition keeps its lastTransitionTime while its
 * status stays the same, so an unchanged fleet produces an identical status (and no write).
 */
public final class Conditions {

    private final List<Condition> previous;
    private final long generation;
    private final Instant now;
    private final List<Condition> result = new ArrayList<>();

    public Conditions(List<Condition> previous, long generation, Instant now) {
        this.previous = previous == null ? List.of() : previous;
        this.generation = generation;
        this.now = now.truncatedTo(ChronoUnit.SECONDS);
    }

    public Conditions set(ConditionType type, boolean status, String reason, String message) {
        String value = status ? "True" : "False";
        String since = find(previous, type)
                .filter(c -> value.equals(c.getStatus()) && c.getLastTransitionTime() != null)
                .map(Condition::getLastTransitionTime)
                .orElse(now.toString());
        Condition condition = new ConditionBuilder()
                .withType(type.name())
                .withStatus(value)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(since)
                .build();
        result.add(condition);
        return this;
    }

    /** The conditions in the order of {@link ConditionType}: Ready first, as {@code kubectl describe} shows them. */
    public List<Condition> build() {
        return result.stream()
                .sorted(java.util.Comparator.comparingInt(Conditions::order))
                .toList();
    }

    /**
     * {@code previous} with each condition of {@code changed} in place of the one of its type, in the order of
     * {@link ConditionType} (types this operator does not know go last).
     */
    public static List<Condition> merge(List<Condition> previous, List<Condition> changed) {
        List<Condition> merged = new ArrayList<>(changed);
        (previous == null ? List.<Condition>of() : previous)
                .stream()
                        .filter(p -> changed.stream().noneMatch(c -> c.getType().equals(p.getType())))
                        .forEach(merged::add);
        merged.sort(java.util.Comparator.comparingInt(Conditions::order));
        return merged;
    }

    private static int order(Condition c) {
        for (ConditionType type : ConditionType.values()) {
            if (type.name().equals(c.getType())) return type.ordinal();
        }
        return Integer.MAX_VALUE;
    }

    public static java.util.Optional<Condition> find(List<Condition> conditions, ConditionType type) {
        if (conditions == null) {
            return java.util.Optional.empty();
        }
        return conditions.stream()
                .filter(c -> Objects.equals(type.name(), c.getType()))
                .findFirst();
    }
}
