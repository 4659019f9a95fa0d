package dev.ferry.operator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.model.AutoscalingSpec;
import dev.ferry.operator.model.AutoscalingStatus.Recommendation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SessionAutoscalerTest {

    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

    private static AutoscalingSpec spec(int min, int max, int target) {
        AutoscalingSpec spec = new AutoscalingSpec();
        spec.setMinReplicas(min);
        spec.setMaxReplicas(max);
        spec.setTargetSessionsPerPod(target);
        return spec;
    }

    private static SessionAutoscaler.Decision decide(
            AutoscalingSpec spec, int replicas, long sessions, List<Recommendation> history, Instant now) {
        return SessionAutoscaler.decide(
                new SessionAutoscaler.Input(spec, replicas, OptionalLong.of(sessions), true, history, now));
    }

    @Test
    void moreSessionsThanTheTargetAddPodsAtOnceUpToTheStep() {
        AutoscalingSpec spec = spec(1, 20, 1000);

        SessionAutoscaler.Decision d = decide(spec, 2, 3_500, List.of(), T0);

        assertThat(d.recommended()).isEqualTo(4);
        assertThat(d.replicas()).isEqualTo(4);
        assertThat(d.why()).isEqualTo("Scaled from 2 to 4: 3500 sessions at a target of 1000 per pod call for 4.");

        SessionAutoscaler.Decision big = decide(spec, 2, 15_000, List.of(), T0);
        assertThat(big.recommended()).isEqualTo(15);
        assertThat(big.replicas()).as("scaleUp.maxStep 4").isEqualTo(6);
        assertThat(big.why()).endsWith("call for 15 (at most autoscaling.scaleUp.maxStep per change).");
    }

    @Test
    void fewerSessionsRemoveOnePodOnlyAfterTheWholeScaleDownWindow() {
        AutoscalingSpec spec = spec(1, 20, 1000);

        SessionAutoscaler.Decision first = decide(spec, 3, 0, List.of(), T0);
        assertThat(first.recommended()).isEqualTo(1);
        assertThat(first.replicas())
                .as("the replicas count as the recommendation before the first")
                .isEqualTo(3);

        SessionAutoscaler.Decision early = decide(spec, 3, 0, first.history(), T0.plusSeconds(299));
        assertThat(early.replicas()).isEqualTo(3);

        SessionAutoscaler.Decision due = decide(spec, 3, 0, early.history(), T0.plusSeconds(301));
        assertThat(due.replicas()).as("scaleDown.maxStep 1").isEqualTo(2);
        assertThat(due.why())
                .isEqualTo("Scaled from 3 to 2: 0 sessions at a target of 1000 per pod have called for at most 1 for"
                        + " 300 s (at most autoscaling.scaleDown.maxStep per change).");
    }

    @Test
    void aShortDipDoesNotRemovePods() {
        AutoscalingSpec spec = spec(1, 20, 1000);
        List<Recommendation> history =
                decide(spec, 5, 4_500, List.of(), T0.minusSeconds(600)).history();
        history = decide(spec, 5, 4_500, history, T0.minusSeconds(100)).history();

        SessionAutoscaler.Decision dip = decide(spec, 5, 1_500, history, T0);

        assertThat(dip.recommended()).isEqualTo(2);
        assertThat(dip.replicas())
                .as("5 was recommended 100 s ago, inside the 300 s window")
                .isEqualTo(5);
        assertThat(decide(spec, 5, 1_500, dip.history(), T0.plusSeconds(301)).replicas())
                .isEqualTo(4);
    }

    @Test
    void aScaleUpWindowWaitsForTheLoadToLast() {
        AutoscalingSpec spec = spec(1, 20, 1000);
        spec.getScaleUp().setStabilizationWindowSeconds(60);

        SessionAutoscaler.Decision spike = decide(spec, 2, 6_000, List.of(), T0);
        assertThat(spike.replicas()).isEqualTo(2);
        SessionAutoscaler.Decision lasted = decide(spec, 2, 6_000, spike.history(), T0.plusSeconds(61));
        assertThat(lasted.replicas()).isEqualTo(6);
    }

    @Test
    void boundsApplyWhateverTheSessionsAndTheFleetAreDoing() {
        AutoscalingSpec spec = spec(3, 6, 1000);

        SessionAutoscaler.Decision below = SessionAutoscaler.decide(
                new SessionAutoscaler.Input(spec, 1, OptionalLong.empty(), false, List.of(), T0));
        assertThat(below.replicas()).isEqualTo(3);
        assertThat(below.why()).isEqualTo("Scaled from 1 to 3: replicas were below autoscaling.minReplicas.");

        SessionAutoscaler.Decision above = SessionAutoscaler.decide(
                new SessionAutoscaler.Input(spec, 9, OptionalLong.of(100_000), false, List.of(), T0));
        assertThat(above.recommended()).isEqualTo(6);
        assertThat(above.replicas()).as("one pod per change, as any scale-down").isEqualTo(8);
    }

    @Test
    void nothingChangesWhileTheFleetMovesOrACountIsMissing() {
        AutoscalingSpec spec = spec(1, 20, 1000);
        SessionAutoscaler.Decision moving = SessionAutoscaler.decide(
                new SessionAutoscaler.Input(spec, 2, OptionalLong.of(9_000), false, List.of(), T0));
        assertThat(moving.recommended()).isEqualTo(9);
        assertThat(moving.replicas()).isEqualTo(2);
        assertThat(moving.why()).isEmpty();

        SessionAutoscaler.Decision unknown = SessionAutoscaler.decide(
                new SessionAutoscaler.Input(spec, 2, OptionalLong.empty(), true, moving.history(), T0.plusSeconds(1)));
        assertThat(unknown.recommended()).as("the last recommendation stands").isEqualTo(9);
        assertThat(unknown.replicas()).isEqualTo(2);
    }

    @Test
    void aSteadyFleetKeepsOneRecommendationSoItsStatusDoesNotChange() {
        AutoscalingSpec spec = spec(1, 20, 1000);
        List<Recommendation> history = decide(spec, 2, 1_500, List.of(), T0).history();
        for (int s = 1; s < 2_000; s += 15) {
            history =
                    decide(spec, 2, 1_500 + s % 400, history, T0.plusSeconds(s)).history();
        }
        assertThat(history).singleElement().satisfies(r -> {
            assertThat(r.getAt()).isEqualTo(T0.toString());
            assertThat(r.getReplicas()).isEqualTo(2);
        });
    }

    /**
     * Whatever the sessions do, spec.replicas moves by at most a step per change, stays within the bounds
     * once inside them, and goes below a level only after the whole scale-down window called for less.
     */
    @Property(tries = 300)
    void replicasMoveByStepsWithinBoundsAndDownOnlyAfterTheWindow(
            @ForAll @IntRange(min = 1, max = 5) int min,
            @ForAll @IntRange(min = 0, max = 10) int extra,
            @ForAll @IntRange(min = 1, max = 2000) int target,
            @ForAll @IntRange(min = 0, max = 120) int downWindow,
            @ForAll @IntRange(min = 1, max = 3) int upStep,
            @ForAll @IntRange(min = 1, max = 3) int downStep,
            @ForAll("loads") List<Long> loads) {
        AutoscalingSpec spec = spec(min, min + extra, target);
        spec.getScaleDown().setStabilizationWindowSeconds(downWindow);
        spec.getScaleUp().setMaxStep(upStep);
        spec.getScaleDown().setMaxStep(downStep);
        int replicas = min;
        List<Recommendation> history = List.of();
        List<long[]> seen = new ArrayList<>(); // {second, recommendation}
        for (int i = 0; i < loads.size(); i++) {
            Instant now = T0.plusSeconds(10L * i);
            SessionAutoscaler.Decision d = decide(spec, replicas, loads.get(i), history, now);
            seen.add(new long[] {10L * i, d.recommended()});
            assertThat(d.recommended()).isBetween(min, min + extra);
            assertThat(d.replicas()).isBetween(min, min + extra);
            assertThat(d.replicas() - replicas).isBetween(-downStep, upStep);
            if (d.replicas() < replicas) {
                long from = 10L * i - downWindow;
                long[] atStart = lastBefore(seen, from);
                int level = d.replicas();
                assertThat(seen.stream()
                                .filter(r -> r[0] >= from || r == atStart)
                                .allMatch(r -> r[1] <= level))
                        .as("every recommendation of the last %d s at most %d", downWindow, level)
                        .isTrue();
                assertThat(10L * i)
                        .as("a scale-down needs a whole window of history")
                        .isGreaterThanOrEqualTo(downWindow);
            }
            replicas = d.replicas();
            history = d.history();
            Duration keep = Duration.ofSeconds(Math.max(downWindow, 0));
            assertThat(history.size()).isLessThanOrEqualTo(1 + (int) (keep.toSeconds() / 10) + 1);
        }
    }

    private static long[] lastBefore(List<long[]> seen, long second) {
        long[] last = null;
        for (long[] r : seen) {
            if (r[0] <= second) {
                last = r;
            }
        }
        return last;
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<List<Long>> loads() {
        return net.jqwik.api.Arbitraries.longs()
                .between(0, 30_000)
                .list()
                .ofMinSize(1)
                .ofMaxSize(60);
    }

    @Property(tries = 200)
    void theRecommendationIsTheSessionsOverTheTargetRoundedUp(
            @ForAll @LongRange(min = 0, max = 10_000_000) long sessions,
            @ForAll @IntRange(min = 1, max = 100_000) int target) {
        AutoscalingSpec spec = spec(1, 10_000, target);
        long expected = Math.max(1, Math.min(10_000, (sessions + target - 1) / target));
        assertThat(decide(spec, 1, sessions, List.of(), T0).recommended()).isEqualTo((int) expected);
    }
}
