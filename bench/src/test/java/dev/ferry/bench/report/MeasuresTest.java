package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Histograms and event times become chart series the report can draw. */
class MeasuresTest {
    @Test
    void histogramCountsLandInTheirMillisecondBuckets() {
        Histogram micros = new Histogram(3);
        micros.recordValue(900); // 0.9 ms -> bucket <= 1
        micros.recordValue(1_500); // 1.5 ms -> <= 2
        micros.recordValue(1_900); // 1.9 ms -> <= 2
        micros.recordValue(40_000); // 40 ms  -> <= 50

        BenchResult.Series s = Measures.histogramMillis("pause", micros);

        assertThat(s.x()).containsExactly(1, 2, 5, 10, 20, 50);
        assertThat(s.y()).containsExactly(1, 2, 0, 0, 0, 1);
    }

    @Test
    void anEmptyHistogramIsAnEmptySeries() {
        BenchResult.Series s = Measures.histogramMillis("none", new Histogram(3));
        assertThat(s.x()).isEmpty();
        assertThat(s.y()).isEmpty();
    }

    @Test
    void eventTimesBecomeARatePerSecondPerBucket() {
        long origin = 5_000_000_000L;
        long[] nanos = {origin + 10_000_000, origin + 20_000_000, origin + 150_000_000};

        BenchResult.Series s = Measures.ratePerSecond("moves", origin, nanos, 100);

        assertThat(s.x()).containsExactly(0.1, 0.2);
        assertThat(s.y()).containsExactly(20, 10); // 2 in the first 100 ms, 1 in the second
    }

    @Test
    void histogramStepsHoldEachCountOverItsBucket() {
        double[][] steps = ChartRenderer.steps(new double[] {1, 2, 5}, new double[] {3, 4, 1});
        assertThat(steps[0]).containsExactly(0.5, 0.5, 1, 2, 5, 5);
        assertThat(steps[1]).containsExactly(0, 3, 4, 1, 1, 0);
    }
}
