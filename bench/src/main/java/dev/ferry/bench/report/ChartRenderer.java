package dev.ferry.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(chart.title())
                .xAxisTitle(chart.xLabel()).yAxisTitle(chart.yLabel()).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        boolean histogram = chart.kind().equals("histogram");
        if (histogram && spansDecades(chart)) c.getStyler().setXAxisLogarithmic(true);
        int drawn = 0;
        for (BenchResult.Series s : chart.series()) {
            if (s.x().length == 0) continue; // XChart cannot draw an empty series
            double[] x = s.x();
            if (c.getStyler().isXAxisLogarithmic()) x = Arrays.stream(x).map(v -> Math.max(v, 1e-3)).toArray();
            XYSeries series = c.addSeries(s.name(), x, s.y());
            series.setMarker(SeriesMarkers.NONE);
            if (histogram) series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
            drawn++;
        }
        if (drawn == 0) c.addSeries("(no data)", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        Path file = dir.resolve(chart.id() + ".png");
        try (var out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
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
