package dev.trident.cli;

import dev.trident.lab.LabResult;
import dev.trident.lab.Row;
import org.knowm.xchart.BitmapEncoder;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The lab's two pictures: validation BPB against training compute (every rung and dense reference, one point each),
 * and bytes read per generated token against BPB (the cost of each model at its quality, the dense references as
 * a line, the matched dense point and the final row marked).
 */
final class LabPlots {
    static final String COMPUTE = "bpb-vs-compute.png", COST = "cost-vs-bpb.png";

    private LabPlots() {}

    static void write(LabResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        save(compute(r), dir.resolve(COMPUTE));
        save(cost(r), dir.resolve(COST));
    }

    private static XYChart compute(LabResult r) {
        XYChart c = chart("Validation BPB vs training compute (same wall-clock budget per rung)", "training compute (PFLOP)", "validation BPB");
        c.getStyler().setXAxisLogarithmic(true);
        for (Row row : r.ladder())
            if (row.ok()) point(c, row.title(), row.trainFlops() / 1e15, row.valBpb());
        List<Row> dense = denseWithBaseline(r);
        dense.sort(Comparator.comparingDouble(Row::trainFlops));
        if (dense.size() > 1) line(c, "dense references", dense.stream().mapToDouble(x -> x.trainFlops() / 1e15).toArray(),
                dense.stream().mapToDouble(Row::valBpb).toArray(), Color.GRAY);
        return c;
    }

    private static XYChart cost(LabResult r) {
        XYChart c = chart("Inference cost per token vs quality", "validation BPB", "weights + KV cache read per generated token (MB)");
        c.getStyler().setYAxisLogarithmic(true);
        for (Row row : r.ladder())
            if (row.ok()) point(c, row.title(), row.valBpb(), row.bytesPerToken() / 1e6);
        for (Row row : r.served())
            if (row.ok() && Double.isFinite(row.bytesPerToken())) point(c, row.title(), row.valBpb(), row.bytesPerToken() / 1e6);
        List<Row> dense = denseWithBaseline(r);
        dense.sort(Comparator.comparingDouble(Row::bytesPerToken));
        if (dense.size() > 1) line(c, "dense references", dense.stream().mapToDouble(Row::valBpb).toArray(),
                dense.stream().mapToDouble(x -> x.bytesPerToken() / 1e6).toArray(), Color.GRAY);
        if (r.match() != null) {
            XYSeries m = c.addSeries("matched dense (equal quality)", new double[]{r.match().targetBpb()}, new double[]{r.match().bytesPerToken() / 1e6});
            m.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
            m.setMarker(SeriesMarkers.DIAMOND);
            m.setMarkerColor(Color.BLACK);
        }
        return c;
    }

    private static List<Row> denseWithBaseline(LabResult r) {
        List<Row> rows = new ArrayList<>();
        if (r.ladder().getFirst().ok()) rows.add(r.ladder().getFirst());
        for (Row d : r.dense()) if (d.ok()) rows.add(d);
        return rows;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(960).height(600).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setMarkerSize(10);
        return c;
    }

    private static void point(XYChart c, String name, double x, double y) {
        if (!(x > 0) || !Double.isFinite(y)) return;
        XYSeries s = c.addSeries(unique(c, name), new double[]{x}, new double[]{y});
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
    }

    private static void line(XYChart c, String name, double[] x, double[] y, Color color) {
        XYSeries s = c.addSeries(unique(c, name), x, y);
        s.setLineColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
    }

    private static String unique(XYChart c, String name) {
        String n = name;
        for (int i = 2; c.getSeriesMap().containsKey(n); i++) n = name + " (" + i + ")";
        return n;
    }

    private static void save(XYChart chart, Path png) throws IOException {
        Path tmp = png.toAbsolutePath().resolveSibling(png.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
