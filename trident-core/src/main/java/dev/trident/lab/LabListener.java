package dev.trident.lab;

import dev.trident.train.TrainListener;

/** What the lab reports as it runs; the CLI turns it into progress bars. */
public interface LabListener {
    /** A model is about to train: the index-th (1-based) of those planned so far. */
    default void onRungStart(int index, int planned, Rung rung, double minutes) {}

    /** Receives the current rung's training events. */
    default TrainListener training() { return TrainListener.NONE; }

    /** A rung's results were found in the output folder from an earlier run and are reused. */
    default void onRungReused(Rung rung, TrainingRecord record) {}

    default void onRungDone(Rung rung, TrainingRecord record) {}

    /** A rung failed; the lab goes on with the others. */
    default void onRungFailed(Rung rung, String why) {}

    /** A phase without training: evaluating the served weights, choosing dense references, writing the report. */
    default void onPhase(String phase) {}

    /** The decode measurement starts: total generations to run. */
    default void onDecodeStart(int total) {}

    default void onDecodeProgress(int done) {}

    default void onDecodeEnd() {}

    LabListener NONE = new LabListener() {};
}
