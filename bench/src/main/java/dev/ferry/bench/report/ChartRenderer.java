package dev.ferry.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws one chart of a result as a PNG with XChart. Histograms are drawn as steps over their
 * bucket upper bounds, on a logarithmic x axis when the buckets span two decades or more (pause
 * times do), so several series with different buckets share one chart.
 */
final class ChartRenderer {
    static final int WIDTH = 800;
    static final int HEIGHT = 450;

    private ChartRenderer() {}

    /** Writes {@code dir/<chart id>.png} and returns it. */
    static Path render(BenchResult.Chart chart, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        XYChart c = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(chart.title())
                .xAxisTitle(chart.xLabel())
                .yAxisTitle(chart.yLabel())
                .build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        boolean histogram = chart.kind().equals("histogram");
        if (histogram && spansDecades(chart)) c.getStyler().setXAxisLogarithmic(true);
        int drawn = 0;
        for (BenchResult.Series s : chart.series()) {
            if (s.x().length == 0) continue; // XChart cannot draw an empty series
            double[] x = s.x();
            double[] y = s.y();
            if (histogram) {
                double[][] steps = steps(x, y);
                x = steps[0];
                y = steps[1];
            }
            if (c.getStyler().isXAxisLogarithmic())
                x = Arrays.stream(x).map(v -> Math.max(v, 1e-3)).toArray();
            XYSeries series = c.addSeries(s.name(), x, y);
            series.setMarker(SeriesMarkers.NONE);
            if (histogram) series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
            drawn++;
        }
        if (drawn == 0)
            c.addSeries("(no data)", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        Path file = dir.resolve(chart.id() + ".png");
        try (var out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }

    /**
     * Step points for buckets given by upper bounds: each count is held from the bucket's lower
     * bound (the previous upper bound; for the first, one bucket width or ratio below) to its
     * upper bound, starting and ending at zero.
     */
    static double[][] steps(double[] upper, double[] counts) {
        int n = upper.length;
        double lower0 = n > 1 && upper[0] > 0 && upper[1] > upper[0]
                ? upper[0] * upper[0] / upper[1]
                : n > 1 ? upper[0] - (upper[1] - upper[0]) : upper[0] / 2;
        double[] x = new double[n + 2];
        double[] y = new double[n + 2];
        x[0] = lower0;
        y[0] = 0;
        x[1] = lower0;
        y[1] = counts[0];
        for (int i = 1; i < n; i++) {
            x[i + 1] = upper[i - 1];
            y[i + 1] = counts[i];
        }
        x[n + 1] = upper[n - 1];
        y[n + 1] = counts[n - 1];
        double[] xs = Arrays.copyOf(x, n + 3);
        double[] ys = Arrays.copyOf(y, n + 3);
        xs[n + 2] = upper[n - 1];
        ys[n + 2] = 0;
        return new double[][] {xs, ys};
    }

    private static boolean spansDecades(BenchResult.Chart chart) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (BenchResult.Series s : chart.series()) {
            for (double v : s.x()) {
                if (v <= 0) return false;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max > 0 && max / min >= 100;
    }
}
