package dev.trident.train;

import java.nio.file.Path;

/** What a training run reports as it goes; the CLI turns it into a progress bar, the tests into assertions. */
public interface TrainListener {
    /** A preparatory phase begins, e.g. "training tokenizer" or "tokenizing data". */
    default void onPhase(String phase) {}

    /** Training is about to start. */
    default void onStart(TrainPlan plan) {}

    /** One optimizer step finished. */
    default void onStep(StepMetrics metrics) {}

    /** A validation pass finished. */
    default void onEval(EvalPoint point) {}

    /** A checkpoint was written (atomically) to dir. */
    default void onCheckpoint(int step, Path dir) {}

    TrainListener NONE = new TrainListener() {};
}
