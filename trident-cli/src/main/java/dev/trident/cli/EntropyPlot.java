package dev.trident.cli;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The BLT paper's patching figure: next-byte entropy H(x_i) per byte, the bytes that start a patch marked, and
 * the global threshold as a dashed line. Short texts get their characters as x-axis labels.
 */
final class EntropyPlot {
    /** Up to this many bytes the x axis shows each byte's character. */
    static final int LABELLED_BYTES = 120;

    private EntropyPlot() {}

    static void write(Path png, String title, byte[] text, float[] entropies, boolean[] starts, double threshold) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int n = text.length;
        int width = Math.max(960, Math.min(4000, 14 * n + 200));
        XYChart chart = new XYChartBuilder().width(width).height(480).title(title)
                .xAxisTitle(n <= LABELLED_BYTES ? "byte" : "byte position").yAxisTitle("entropy H(x_i) (nats)").build();
        var st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        st.setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        st.setMarkerSize(6);
        float top = 0;
        for (float v : entropies) if (!Float.isNaN(v)) top = Math.max(top, v);
        if (n <= LABELLED_BYTES) {
            // Each byte's character under its point, and a faint vertical line where each patch starts.
            st.setXAxisTicksVisible(false);
            st.setYAxisMin(-0.12 * Math.max(1, top));
            st.setAnnotationTextFont(new java.awt.Font(java.awt.Font.MONOSPACED, java.awt.Font.BOLD, 13));
            st.setAnnotationTextFontColor(Color.DARK_GRAY);
            st.setAnnotationLineColor(new Color(214, 39, 40, 110));
            st.setAnnotationLineStroke(new BasicStroke(1f));
            for (int i = 0; i < n; i++) {
                int b = text[i] & 0xFF;
                String ch = b == ' ' ? "\u2423" : b == '\n' ? "\u23CE" : b < 32 || b >= 127 ? String.format("%02x", b) : String.valueOf((char) b);
                chart.addAnnotation(new AnnotationText(ch, i, -0.06 * Math.max(1, top), false));
                if (starts[i] && i > 0) chart.addAnnotation(new AnnotationLine(i - 0.5, true, false));
            }
        } else {
            st.setYAxisMin(0.0);
        }
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), sx = new ArrayList<>(), sy = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float h = Float.isNaN(entropies[i]) ? 0f : entropies[i];
            xs.add((double) i);
            ys.add((double) h);
            if (starts[i]) {
                sx.add((double) i);
                sy.add((double) h);
            }
        }
        XYSeries line = chart.addSeries("H(x_i)", xs, ys);
        line.setMarker(n <= LABELLED_BYTES ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        line.setLineColor(new Color(31, 119, 180));
        line.setMarkerColor(new Color(31, 119, 180));
        XYSeries s = chart.addSeries("starts a patch", sx, sy);
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setMarkerColor(new Color(214, 39, 40));
        if (Double.isFinite(threshold)) {
            XYSeries t = chart.addSeries(String.format(java.util.Locale.ROOT, "threshold %.3f", threshold),
                    new double[]{0, Math.max(1, n - 1)}, new double[]{threshold, threshold});
            t.setMarker(SeriesMarkers.NONE);
            t.setLineColor(new Color(214, 39, 40));
            t.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapFormat.PNG);
        }
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
