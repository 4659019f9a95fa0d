package dev.ferry.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The autoscale benchmark's figures, from sampled timelines made up here. */
class AutoscaleTimelineTest {

    /** Builds a timeline one second at a time; each call sets what the following samples show. */
    private static final class Timeline {
        private final List<AutoscaleTimeline.Sample> samples = new ArrayList<>();
        private int spec = 1;
        private int ready = 1;
        private long maxPerPod;
        private long clientMax;
        private Integer cpu;

        Timeline state(int spec, int ready, long maxPerPod) {
            this.spec = spec;
            this.ready = ready;
            this.maxPerPod = maxPerPod;
            this.clientMax = maxPerPod;
            return this;
        }

        Timeline clientMax(long clientMax) {
            this.clientMax = clientMax;
            return this;
        }

        Timeline cpu(Integer cpu) {
            this.cpu = cpu;
            return this;
        }

        /** Samples at each whole second from {@code from} to {@code to}, both included. */
        Timeline seconds(int from, int to) {
            for (int t = from; t <= to; t++) {
                samples.add(new AutoscaleTimeline.Sample(
                        t, spec, ready, maxPerPod * spec, maxPerPod, maxPerPod / 2, clientMax, t * 10L, 0, cpu));
            }
            return this;
        }

        List<AutoscaleTimeline.Sample> samples() {
            return samples;
        }
    }

    @Test
    void aSingleScaleUpAndAStepwiseScaleDown() {
        // 1 pod at rest; the surge comes at 0 and the autoscaler raises replicas to 3 at 5 s, ready at 8 s;
        // the surge leaves at 30 s; after the 60 s window it goes 3 -> 2 at 91 s, 2 -> 1 at 100 s, ready 1 at 105 s.
        List<AutoscaleTimeline.Sample> samples = new Timeline()
                .state(1, 1, 100)
                .seconds(-10, -1)
                .state(1, 1, 200)
                .seconds(0, 3)
                .state(1, 1, 300)
                .clientMax(310)
                .seconds(4, 4)
                .state(3, 1, 300)
                .seconds(5, 7)
                .state(3, 3, 100)
                .seconds(8, 30)
                .state(3, 3, 34)
                .seconds(31, 90)
                .state(2, 3, 50)
                .seconds(91, 99)
                .state(1, 2, 100)
                .seconds(100, 104)
                .state(1, 1, 100)
                .seconds(105, 110)
                .samples();

        AutoscaleTimeline.Figures f = AutoscaleTimeline.figures(samples, 30);

        assertThat(f.restingReplicas()).isEqualTo(1);
        assertThat(f.firstScaleUpSeconds()).isEqualTo(5.0);
        assertThat(f.peakReplicas()).isEqualTo(3);
        assertThat(f.peakSeconds()).isEqualTo(5.0);
        assertThat(f.peakReadySeconds()).isEqualTo(8.0);
        assertThat(f.maxPerPodDuringSurge()).isEqualTo(300);
        assertThat(f.clientMaxPerPodDuringSurge()).isEqualTo(310);
        assertThat(f.firstScaleDownSeconds()).isEqualTo(61.0);
        assertThat(f.backAtRestSeconds()).isEqualTo(75.0);
        assertThat(f.maxHpaCpuPercentDuringSurge()).isNull();
    }

    @Test
    void aScaleUpInStepsReachesThePeakAtTheLastStep() {
        List<AutoscaleTimeline.Sample> samples = new Timeline()
                .cpu(40)
                .state(1, 1, 100)
                .seconds(-5, 14)
                .cpu(180)
                .state(2, 1, 300)
                .seconds(15, 29)
                .cpu(120)
                .state(4, 2, 150)
                .seconds(30, 44)
                .cpu(60)
                .state(4, 4, 75)
                .seconds(45, 60)
                .samples();

        AutoscaleTimeline.Figures f = AutoscaleTimeline.figures(samples, 60);

        assertThat(f.firstScaleUpSeconds()).isEqualTo(15.0);
        assertThat(f.peakReplicas()).isEqualTo(4);
        assertThat(f.peakSeconds()).isEqualTo(30.0);
        assertThat(f.peakReadySeconds()).isEqualTo(45.0);
        assertThat(f.maxHpaCpuPercentDuringSurge()).isEqualTo(180);
        assertThat(f.firstScaleDownSeconds())
                .as("not sampled after the surge left")
                .isNull();
        assertThat(f.backAtRestSeconds()).isNull();
    }

    @Test
    void withoutAScaleUpTheTimesAreNotMeasured() {
        List<AutoscaleTimeline.Sample> samples =
                new Timeline().state(1, 1, 120).seconds(-3, 40).samples();

        AutoscaleTimeline.Figures f = AutoscaleTimeline.figures(samples, 20);

        assertThat(f.peakReplicas()).isEqualTo(1);
        assertThat(f.firstScaleUpSeconds()).isNull();
        assertThat(f.peakSeconds()).isNull();
        assertThat(f.peakReadySeconds()).isNull();
        assertThat(f.firstScaleDownSeconds()).isNull();
        assertThat(f.backAtRestSeconds()).as("at rest throughout: back at once").isEqualTo(0.0);
    }

    @Test
    void restingIsWhatTheFleetHadAtTheSurgeAndOnlyTheSurgeCountsForTheMostOnOnePod() {
        // An HPA that rests at 2 pods; a spike before the surge and one after it left do not count.
        List<AutoscaleTimeline.Sample> samples = new Timeline()
                .state(2, 2, 900)
                .seconds(-20, -10)
                .state(2, 2, 50)
                .seconds(-9, 0)
                .state(2, 2, 150)
                .seconds(1, 9)
                .state(3, 3, 100)
                .seconds(10, 20)
                .state(3, 3, 800)
                .seconds(21, 25)
                .state(2, 2, 40)
                .seconds(26, 30)
                .samples();

        AutoscaleTimeline.Figures f = AutoscaleTimeline.figures(samples, 20.5);

        assertThat(f.restingReplicas()).isEqualTo(2);
        assertThat(f.firstScaleUpSeconds()).isEqualTo(10.0);
        assertThat(f.maxPerPodDuringSurge()).isEqualTo(150);
        assertThat(f.firstScaleDownSeconds()).isEqualTo(26 - 20.5);
        assertThat(f.backAtRestSeconds()).isEqualTo(26 - 20.5);
    }

    @Test
    void aScaleDownBelowRestCountsAsAScaleDownButNotAsBackAtRest() {
        List<AutoscaleTimeline.Sample> samples = new Timeline()
                .state(2, 2, 50)
                .seconds(-2, 0)
                .state(3, 3, 50)
                .seconds(1, 10)
                .state(1, 1, 100)
                .seconds(11, 20)
                .samples();

        AutoscaleTimeline.Figures f = AutoscaleTimeline.figures(samples, 5);

        assertThat(f.firstScaleDownSeconds()).isEqualTo(6.0);
        assertThat(f.backAtRestSeconds()).isNull();
    }

    @Test
    void samplesOnlyAfterTheSurgeTakeTheFirstAsRest() {
        List<AutoscaleTimeline.Sample> samples = new Timeline()
                .state(1, 1, 10)
                .seconds(0, 2)
                .state(2, 1, 10)
                .seconds(3, 4)
                .samples();

        assertThat(AutoscaleTimeline.figures(samples, 4).firstScaleUpSeconds()).isEqualTo(3.0);
        assertThatThrownBy(() -> AutoscaleTimeline.figures(List.of(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seriesAndRowsKeepEverySampleFromTheirStart() {
        List<AutoscaleTimeline.Sample> samples =
                new Timeline().cpu(55).state(1, 1, 10).seconds(-40, 5).samples();

        List<List<Double>> series = AutoscaleTimeline.series(samples, -30, AutoscaleTimeline.Sample::specReplicas);
        assertThat(series.get(0)).hasSize(36).startsWith(-30.0).endsWith(5.0);
        assertThat(series.get(1)).hasSize(36).containsOnly(1.0);

        List<List<Object>> rows = AutoscaleTimeline.rows(samples);
        assertThat(rows).hasSize(46);
        assertThat(rows).allSatisfy(r -> assertThat(r).hasSize(AutoscaleTimeline.COLUMNS.size()));
        assertThat(rows.get(0)).containsExactly(-40.0, 1, 1, 10L, 10L, 5L, 10L, -400L, 0L, 55);
    }
}
