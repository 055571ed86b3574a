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
    /** The smoothing window, as a fraction of the run: wide enough to see the trend through batch noise. */
    static final double WINDOW_FRACTION = 0.02;

    private LossPlot() {}

    static void write(Path png, String title, List<StepMetrics> history, List<EvalPoint> evals) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(960).height(540).title(title)
                .xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setMarkerSize(8);

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
            XYSeries s = chart.addSeries("train (smoothed)", x, smooth(raw, Math.max(1, (int) (raw.length * WINDOW_FRACTION))));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(new Color(31, 119, 180));
            // XChart puts x ticks on data values (1, 20, 39, ...) when all x are equally spaced, as steps are;
            // one invisible off-grid point makes it choose round numbers instead.
            XYSeries offGrid = chart.addSeries(" ", new double[] {x[0] + 0.5}, new double[] {raw[0]});
            offGrid.setMarker(SeriesMarkers.NONE);
            offGrid.setLineColor(new Color(0, 0, 0, 0));
            offGrid.setShowInLegend(false);
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

    /**
     * Centered moving average over 2*half+1 points (fewer at the ends), skipping non-finite values. Centered, unlike
     * an exponential average, so the smoothed curve does not lag behind a falling loss.
     */
    static double[] smooth(double[] y, int half) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            double sum = 0;
            int n = 0;
            for (int j = Math.max(0, i - half); j <= Math.min(y.length - 1, i + half); j++) {
                if (Double.isFinite(y[j])) {
                    sum += y[j];
                    n++;
                }
            }
            out[i] = n > 0 ? sum / n : Double.NaN;
        }
        return out;
    }
}
