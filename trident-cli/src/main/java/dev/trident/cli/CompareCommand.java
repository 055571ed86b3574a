package dev.trident.cli;

import dev.trident.TridentException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident compare: the training curves of several runs on one PNG, and their final figures side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Plot the smoothed training loss and validation points of several runs (their metrics.csv) on one PNG.",
                "Prints each run's final training loss (mean of the last 5% of steps) and last validation BPB."})
final class CompareCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "2..*", paramLabel = "RUN", description = "Run directories written by `trident train`.")
    List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "The plot to write.")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "Trident runs", description = "Plot title.")
    String title;

    @Override
    public Integer call() throws IOException {
        XYChart chart = new XYChartBuilder().width(960).height(540).title(title)
                .xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        var stdout = spec.commandLine().getOut();
        for (Path run : runs) {
            Path csv = run.resolve("metrics.csv");
            if (!Files.isRegularFile(csv)) throw new TridentException(csv + ": missing; pass run directories written by 'trident train'");
            List<double[]> train = new ArrayList<>(), val = new ArrayList<>();
            List<String> lines = Files.readAllLines(csv);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.split(",", -1);
                if (f.length < 8) throw new TridentException(csv + ": not a Trident metrics file (line '" + line + "')");
                if (!f[1].isEmpty()) train.add(new double[]{Double.parseDouble(f[0]), Double.parseDouble(f[1])});
                if (!f[6].isEmpty()) val.add(new double[]{Double.parseDouble(f[0]), Double.parseDouble(f[6]), Double.parseDouble(f[7])});
            }
            String name = run.getFileName().toString();
            if (!train.isEmpty()) {
                double[] x = train.stream().mapToDouble(p -> p[0]).toArray(), y = train.stream().mapToDouble(p -> p[1]).toArray();
                XYSeries s = chart.addSeries(name + " train (smoothed)", x, LossPlot.smooth(y, Math.max(1, (int) (y.length * LossPlot.WINDOW_FRACTION))));
                s.setMarker(SeriesMarkers.NONE);
                // As in LossPlot: one invisible off-grid point makes XChart pick round x ticks.
                XYSeries offGrid = chart.addSeries(name + " ", new double[]{x[0] + 0.5}, new double[]{y[0]});
                offGrid.setMarker(SeriesMarkers.NONE);
                offGrid.setLineColor(new java.awt.Color(0, 0, 0, 0));
                offGrid.setShowInLegend(false);
            }
            if (!val.isEmpty()) {
                XYSeries v = chart.addSeries(name + " validation", val.stream().mapToDouble(p -> p[0]).toArray(), val.stream().mapToDouble(p -> p[1]).toArray());
                v.setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
            }
            int tail = Math.max(1, train.size() / 20);
            double finalLoss = train.subList(train.size() - tail, train.size()).stream().mapToDouble(p -> p[1]).average().orElse(Double.NaN);
            double bpb = val.isEmpty() ? Double.NaN : val.getLast()[2];
            stdout.printf(Locale.ROOT, "%s final_train_loss=%.4f val_bpb=%.4f steps=%d%n", name, finalLoss, bpb, train.size());
        }
        Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".tmp");
        try (var os = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        stdout.printf("plot %s%n", out);
        stdout.flush();
        return ExitCodes.OK;
    }
}
