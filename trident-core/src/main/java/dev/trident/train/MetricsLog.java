package dev.trident.train;

import dev.trident.TridentException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** metrics.csv: one row per step (and per validation), appended as training goes so a crash keeps the history. */
public final class MetricsLog {
    static final String HEADER = "step,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_bpb,max_vio,mtp_loss\n";
    private final Path file;

    public MetricsLog(Path file, boolean append) {
        this.file = file;
        try {
            if (!append || !Files.exists(file)) Files.writeString(file, HEADER, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TridentException(file + ": cannot write metrics (" + e.getMessage() + ")", e);
        }
    }

    public void append(StepMetrics m, EvalPoint e) {
        String row = m == null
                ? String.format(Locale.ROOT, "%d,,,,,,%.6f,%.6f,,%n", e.step(), e.valLoss(), e.valBpb())
                : String.format(Locale.ROOT, "%d,%.6f,%.6g,%.4f,%.1f,%.2f,%s,%s,%s,%s%n", m.step(), m.loss(), m.learningRate(),
                m.gradNorm(), m.tokensPerSecond(), m.elapsedSeconds(),
                e == null ? "" : String.format(Locale.ROOT, "%.6f", e.valLoss()),
                e == null ? "" : String.format(Locale.ROOT, "%.6f", e.valBpb()),
                Double.isNaN(m.maxVio()) ? "" : String.format(Locale.ROOT, "%.4f", m.maxVio()),
                Double.isNaN(m.mtpLoss()) ? "" : String.format(Locale.ROOT, "%.6f", m.mtpLoss()));
        try {
            Files.writeString(file, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new TridentException(file + ": cannot write metrics (" + ex.getMessage() + ")", ex);
        }
    }
}
