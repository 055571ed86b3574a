package dev.trident.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a run: where the model is, the per-step history and the final validation figures. expertLoad is,
 * for a mixture-of-experts model, each MoE layer's share of routed tokens per expert over the run (null if dense).
 */
public record TrainResult(Path out, int steps, double finalTrainLoss, EvalPoint finalEval,
                          double tokensPerSecond, double seconds, List<StepMetrics> history,
                          List<EvalPoint> evals, Path metricsCsv, double[][] expertLoad) {

    public TrainResult(Path out, int steps, double finalTrainLoss, EvalPoint finalEval, double tokensPerSecond,
                       double seconds, List<StepMetrics> history, List<EvalPoint> evals, Path metricsCsv) {
        this(out, steps, finalTrainLoss, finalEval, tokensPerSecond, seconds, history, evals, metricsCsv, null);
    }
}
