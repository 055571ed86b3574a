package dev.trident.train;

import java.nio.file.Path;
import java.util.List;

/** The outcome of a run: where the model is, the per-step history and the final validation figures. */
public record TrainResult(Path out, int steps, double finalTrainLoss, EvalPoint finalEval,
                          double tokensPerSecond, double seconds, List<StepMetrics> history,
                          List<EvalPoint> evals, Path metricsCsv) {}
