package dev.trident.cli;

import dev.trident.train.EvalPoint;
import dev.trident.train.TrainResult;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** What a finished run leaves behind besides the model: loss.png, and a summary on stdout. */
final class TrainReport {
    private TrainReport() {}

    /** Writes loss.png in the run's directory; a failed plot is a warning, never a failed run. */
    static Path plot(TrainResult r, String preset, PrintWriter err) {
        Path png = r.out().resolve("loss.png");
        EvalPoint last = r.finalEval();
        String title = "Trident " + preset
                + (last != null ? String.format(Locale.ROOT, ": val %.3f bits/byte", last.valBpb()) : "");
        try {
            LossPlot.write(png, title, r.history(), r.evals());
            if (r.expertLoad() != null) ExpertLoadPlot.write(r.out().resolve("expert-load.png"), "Trident " + preset, r.expertLoad(), r.history());
            return png;
        } catch (Exception | LinkageError e) {
            err.println("trident: warning: could not write " + png + ": " + Errors.oneLine(e.toString()));
            err.flush();
            return null;
        }
    }

    /**
     * The summary. With bpbLine its last line is {@code val_bpb=<number>} whenever the run was validated, like
     * `trident eval`, so scripts read quality the same way from every command.
     */
    static void print(TrainResult r, String preset, Path plot, boolean bpbLine, PrintWriter out) {
        EvalPoint e = r.finalEval();
        out.printf(Locale.ROOT, "preset      %s%n", preset);
        out.printf(Locale.ROOT, "steps       %,d in %s (%s tokens/s)%n", r.steps(), Format.duration(r.seconds()),
                Format.count(r.tokensPerSecond()));
        out.printf(Locale.ROOT, "train loss  %.4f nats/token%n", r.finalTrainLoss());
        if (e != null) {
            out.printf(Locale.ROOT, "val loss    %.4f nats/token, %.4f bits/byte (step %d)%n",
                    e.valLoss(), e.valBpb(), e.step());
        } else {
            out.println("val loss    not measured");
        }
        out.printf("model       %s%n", r.out());
        if (r.metricsCsv() != null) out.printf("metrics     %s%n", r.metricsCsv());
        if (plot != null) out.printf("plot        %s%n", plot);
        if (r.expertLoad() != null) {
            double vio = ExpertLoadPlot.lastTenthMaxVio(r.history());
            out.printf(Locale.ROOT, "expert load MaxVio %.3f (mean of the last 10%% of steps); heat map %s%n", vio,
                    r.out().resolve("expert-load.png"));
        }
        if (bpbLine && e != null) out.printf(Locale.ROOT, "val_bpb=%.4f%n", e.valBpb());
        out.flush();
    }
}
