package dev.ferry.bench.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the dashboard's panels from a {@link MonitoringRun}'s results: one chart per panel, in the
 * dashboard's order, under its row headings, time in seconds since the run started; stat panels are
 * drawn as the time series of their value. A series is named by its legend format with the result's
 * labels filled in, as Grafana does.
 */
final class DashboardPicture {
    static final int COLUMNS = 3;
    static final int CHART_W = 620;
    static final int CHART_H = 300;
    static final int HEADING_H = 34;
    /** Distinct colours, so a panel's series can be told apart (XChart's default palette repeats after a few). */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf), new Color(0x000000), new Color(0xaec7e8)
    };

    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

    private DashboardPicture() {}

    static Path render(JsonNode results, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double t0 = Instant.parse(results.path("start").asText()).toEpochMilli() / 1000.0;
        // Rows, each a heading and its charts.
        List<String> headings = new ArrayList<>();
        List<List<BufferedImage>> rows = new ArrayList<>();
        for (JsonNode panel : results.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                headings.add(panel.path("title").asText());
                rows.add(new ArrayList<>());
                continue;
            }
            if (rows.isEmpty()) {
                headings.add("");
                rows.add(new ArrayList<>());
            }
            rows.get(rows.size() - 1).add(chart(panel, t0));
        }
        List<String> caption = caption(results);
        int height = 20 + caption.size() * 22 + 10;
        for (List<BufferedImage> r : rows) height += HEADING_H + ((r.size() + COLUMNS - 1) / COLUMNS) * CHART_H;
        BufferedImage canvas = new BufferedImage(COLUMNS * CHART_W, height + 10, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        g.setColor(Color.BLACK);
        int y = 20;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(caption.get(0), 10, y + 4);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        for (int i = 1; i < caption.size(); i++) g.drawString(caption.get(i), 10, y + 4 + i * 22);
        y += caption.size() * 22 + 10;
        for (int r = 0; r < rows.size(); r++) {
            g.setColor(new Color(0xE8EEF7));
            g.fillRect(0, y, canvas.getWidth(), HEADING_H - 6);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(headings.get(r), 10, y + 21);
            y += HEADING_H;
            List<BufferedImage> charts = rows.get(r);
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(charts.get(i), (i % COLUMNS) * CHART_W, y + (i / COLUMNS) * CHART_H, null);
            }
            y += ((charts.size() + COLUMNS - 1) / COLUMNS) * CHART_H;
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(canvas, "png", png.toFile());
        return png;
    }

    private static List<String> caption(JsonNode results) {
        List<String> lines = new ArrayList<>();
        JsonNode p = results.path("provenance");
        String commit = p.path("commit").asText("?");
        lines.add("Ferry dashboard, rendered from a real run: "
                + results.path("start").asText() + ", commit "
                + commit.substring(0, Math.min(10, commit.length()))
                + (p.path("dirty").asBoolean(false) ? " + uncommitted changes" : "") + ", Prometheus "
                + results.path("prometheus").asText() + ", scraped every "
                + results.path("scrapeIntervalSeconds").asInt() + " s");
        StringBuilder line = new StringBuilder("Events (s since start): ");
        for (JsonNode e : results.path("events")) {
            String next = e.path("second").asText() + " " + e.path("what").asText() + ";  ";
            if (line.length() + next.length() > 190) {
                lines.add(line.toString());
                line = new StringBuilder("    ");
            }
            line.append(next);
        }
        lines.add(line.toString());
        lines.add("Alerts (s since start): " + alerts(results));
        lines.add("Client commands: " + results.path("clientCommandsOk").asLong() + " ok, "
                + results.path("clientCommandsFailed").asLong()
                + " failed. Operator row: no operator in this run (it needs a Kubernetes API server).");
        return lines;
    }

    /** Each alert and state Prometheus reported during the run, with when it was first seen. */
    static String alerts(JsonNode results) {
        double t0 = Instant.parse(results.path("start").asText()).toEpochMilli() / 1000.0;
        java.util.Map<String, Double> first = new java.util.TreeMap<>();
        for (JsonNode a : results.path("alerts")) {
            String key = a.path("metric").path("alertname").asText() + " "
                    + a.path("metric").path("alertstate").asText();
            double at = a.path("values").get(0).get(0).asDouble() - t0;
            first.merge(key, at, Math::min);
        }
        if (first.isEmpty()) return "none";
        List<String> parts = new ArrayList<>();
        first.forEach((k, at) -> parts.add(k + " from " + Math.round(at)));
        return String.join("; ", parts);
    }

    static BufferedImage chart(JsonNode panel, double t0) {
        String unit = panel.path("unit").asText("short");
        XYChart c = new XYChartBuilder()
                .width(CHART_W)
                .height(CHART_H)
                .title(panel.path("title").asText())
                .xAxisTitle("s since start")
                .yAxisTitle(unitLabel(unit))
                .build();
        Styler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendBackgroundColor(new Color(255, 255, 255, 200));
        c.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int drawn = 0;
        for (JsonNode target : panel.path("targets")) {
            for (JsonNode series : target.path("result")) {
                List<double[]> points = new ArrayList<>();
                for (JsonNode v : series.path("values")) {
                    double value = parse(v.get(1).asText());
                    if (Double.isFinite(value))
                        points.add(new double[] {v.get(0).asDouble() - t0, value});
                }
                if (points.isEmpty()) continue;
                String name = legend(target.path("legendFormat").asText(), series.path("metric"));
                while (c.getSeriesMap().containsKey(name)) name = name + " ";
                double[] x = points.stream().mapToDouble(a -> a[0]).toArray();
                double[] y = points.stream().mapToDouble(a -> a[1]).toArray();
                XYSeries xy = c.addSeries(name, x, y);
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineColor(PALETTE[drawn % PALETTE.length]);
                drawn++;
            }
        }
        if (drawn == 0) {
            c.addSeries("(no data in this run)", new double[] {0}, new double[] {0})
                    .setMarker(SeriesMarkers.NONE);
        }
        return BitmapEncoder.getBufferedImage(c);
    }

    private static double parse(String v) {
        return switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    /** The legend format with {{label}} replaced by the series' labels; the labels themselves when there is none. */
    static String legend(String format, JsonNode metric) {
        if (format.isBlank()) {
            List<String> parts = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = metric.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                parts.add(e.getKey() + "=" + e.getValue().asText());
            }
            return parts.isEmpty() ? "value" : String.join(", ", parts);
        }
        Matcher m = LEGEND_LABEL.matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find())
            m.appendReplacement(
                    out, Matcher.quoteReplacement(metric.path(m.group(1)).asText("")));
        m.appendTail(out);
        return out.toString();
    }

    private static String unitLabel(String unit) {
        return switch (unit) {
            case "s" -> "seconds";
            case "ops" -> "per second";
            case "bytes" -> "bytes";
            default -> "";
        };
    }
}
