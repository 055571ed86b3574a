package dev.trident.cli;

import dev.trident.train.EvalPoint;
import dev.trident.train.StepMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** loss.png: training loss per step (raw, faint, and smoothed) and validation loss points, in nats/token. */
final class LossPlot {
    /** Weight of the newest step in the moving average; ~1/alpha steps of memory. */
    static final double SMOOTHING = 0.05;

    private LossPlot() {}

    static void write(Path png, String title, List<StepMetrics> history, List<EvalPoint> evals) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(960).height(540).title(title)
                .xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);

        if (!history.isEmpty()) {
            double[] x = new double[history.size()];
            double[] raw = new double[history.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = history.get(i).step();
                raw[i] = history.get(i).loss();
            }
            XYSeries r = chart.addSeries("train", x, raw);
            r.setMarker(SeriesMarkers.NONE);
            r.setLineColor(new Color(31, 119, 180, 60));
            XYSeries s = chart.addSeries("train (smoothed)", x, smooth(raw, SMOOTHING));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(new Color(31, 119, 180));
        }
        if (!evals.isEmpty()) {
            double[] x = evals.stream().mapToDouble(EvalPoint::step).toArray();
            double[] y = evals.stream().mapToDouble(EvalPoint::valLoss).toArray();
            XYSeries v = chart.addSeries("validation", x, y);
            v.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
            v.setMarker(SeriesMarkers.CIRCLE);
            v.setMarkerColor(new Color(214, 39, 40));
        }
        if (history.isEmpty() && evals.isEmpty()) chart.addSeries("train", new double[] {0}, new double[] {0});

        // Write beside the target and rename, so a reader never sees half a PNG.
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapFormat.PNG);
        }
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Exponential moving average, debiased so the first points are not dragged towards zero. */
    static double[] smooth(double[] y, double alpha) {
        double[] out = new double[y.length];
        double avg = 0, weight = 0;
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                out[i] = weight > 0 ? avg / weight : y[i];
                continue;
            }
            avg = (1 - alpha) * avg + alpha * y[i];
            weight = (1 - alpha) * weight + alpha;
            out[i] = avg / weight;
        }
        return out;
    }
}
