package dev.trident.cli;

import dev.trident.train.StepMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** expert-load.png: a heat map of each MoE layer's routed-token share per expert over the run. */
final class ExpertLoadPlot {
    private ExpertLoadPlot() {}

    /** Mean MaxVio over the last 10% of steps (the figure issue 3's balance acceptance reads). */
    static double lastTenthMaxVio(List<StepMetrics> history) {
        int n = Math.max(1, history.size() / 10);
        return history.subList(Math.max(0, history.size() - n), history.size()).stream()
                .mapToDouble(StepMetrics::maxVio).average().orElse(Double.NaN);
    }

    static void write(Path png, String title, double[][] share, List<StepMetrics> history) throws IOException {
        int layers = share.length, experts = share[0].length;
        List<Integer> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int e = 0; e < experts; e++) xs.add(e);
        for (int l = 0; l < layers; l++) ys.add(l);
        // Cells hold load relative to a perfectly even share (1.0 = mean load).
        List<Number[]> cells = new ArrayList<>();
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < experts; e++) cells.add(new Number[]{e, l, Math.round(share[l][e] * experts * 100) / 100.0}); // two decimals in the cell labels
        double vio = lastTenthMaxVio(history);
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(120 + 60 * layers)
                .title(String.format(Locale.ROOT, "%s: expert load / mean load per MoE layer (MaxVio last 10%%: %.2f)", title, vio))
                .xAxisTitle("routed expert").yAxisTitle("MoE layer").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(2);
        chart.getStyler().setRangeColors(new Color[]{new Color(0x2166ac), Color.WHITE, new Color(0xb2182b)});
        chart.addSeries("load", xs, ys, cells);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
