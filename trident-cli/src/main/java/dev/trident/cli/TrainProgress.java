package dev.trident.cli;

import dev.trident.train.EvalPoint;
import dev.trident.train.StepMetrics;
import dev.trident.train.TrainListener;
import dev.trident.train.TrainPlan;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a training run on stderr: one line per preparatory phase, then a bar with loss, tokens/s, learning rate
 * and ETA. A run bounded by steps drives the bar by step; one bounded by time drives it by progress x 1000, because
 * only the core knows how far along the clock is.
 */
final class TrainProgress implements TrainListener, AutoCloseable {
    static final int TIME_UNITS = 1000;

    private final PrintWriter err;
    private Progress.Bar bar;
    private boolean byTime;
    private EvalPoint lastEval;

    TrainProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void onPhase(String phase) {
        closeBar();
        err.println(phase + " ...");
        err.flush();
    }

    @Override
    public void onStart(TrainPlan plan) {
        closeBar();
        err.println(describe(plan));
        err.flush();
        byTime = plan.budgetSeconds() > 0;
        String task = "train " + plan.preset();
        bar = byTime
                ? Progress.bar(task, TIME_UNITS, 0, err)
                : Progress.bar(task, plan.maxSteps(), plan.startStep(), err);
    }

    @Override
    public void onStep(StepMetrics m) {
        if (bar == null) return;
        bar.stepTo(byTime ? Math.round(Math.clamp(m.progress(), 0, 1) * TIME_UNITS) : m.step());
        // Short: on an 80-column terminal the bar itself needs half the line. Steps are on the bar unless by time.
        StringBuilder extra = new StringBuilder(byTime ? "step " + m.step() + " " : "");
        extra.append(String.format(Locale.ROOT, "loss %.3f %s tok/s lr %.1e", m.loss(),
                Format.count(m.tokensPerSecond()), m.learningRate()));
        if (lastEval != null) extra.append(String.format(Locale.ROOT, " val %.3f", lastEval.valLoss()));
        if (!Double.isNaN(m.maxVio())) extra.append(String.format(Locale.ROOT, " maxvio %.2f", m.maxVio()));
        if (!Double.isNaN(m.mtpLoss())) extra.append(String.format(Locale.ROOT, " mtp %.3f", m.mtpLoss()));
        bar.setExtraMessage(extra.toString());
    }

    @Override
    public void onEval(EvalPoint point) {
        lastEval = point;
    }

    @Override
    public void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    static String describe(TrainPlan p) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "preset %s: %s parameters, ",
                p.preset(), Format.count(p.parameters())));
        if (p.activeParameters() != p.parameters()) s.append(Format.count(p.activeParameters())).append(" active per token, ");
        if (p.trainFlopsPerToken() > 0) s.append(String.format(Locale.ROOT, "%.1f MFLOP/token to train, ", p.trainFlopsPerToken() / 1e6));
        if (p.startStep() > 0) s.append("resuming at step ").append(p.startStep()).append(", ");
        s.append("up to ").append(String.format(Locale.ROOT, "%,d", p.maxSteps())).append(" steps");
        if (p.budgetSeconds() > 0) s.append(" or ").append(Format.duration(p.budgetSeconds()));
        s.append(String.format(Locale.ROOT, " x %,d tokens; data %s train / %s val tokens",
                p.tokensPerStep(), Format.count(p.trainTokens()), Format.count(p.valTokens())));
        return s.toString();
    }
}
