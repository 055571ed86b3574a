package dev.trident.spark.infer;

import java.io.Serializable;

/** What {@link SparkScorer} does: the model directory, the column holding each document's text, threads per task. */
public record ScoreSpec(String modelDir, String textColumn, int threadsPerTask) implements Serializable {
    public ScoreSpec {
        if (modelDir == null || modelDir.isBlank()) throw new IllegalArgumentException("no model directory");
        if (textColumn == null || textColumn.isBlank()) throw new IllegalArgumentException("no text column");
    }

    public static ScoreSpec of(String modelDir, String textColumn) {
        return new ScoreSpec(modelDir, textColumn, 0);
    }
}
