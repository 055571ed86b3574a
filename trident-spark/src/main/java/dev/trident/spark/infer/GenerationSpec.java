package dev.trident.spark.infer;

import dev.trident.infer.SamplingOptions;

import java.io.Serializable;

/**
 * What {@link SparkGenerator} does with each row: the model directory (a path every executor can read), the column
 * holding the prompt, an optional column holding a per-row sampling seed (null: every row uses seed), the sampling
 * settings of `trident generate`, and the kernel threads per task (0: spark.task.cpus).
 */
public record GenerationSpec(String modelDir, String promptColumn, String seedColumn, int maxTokens, double temperature,
                             int topK, double topP, long seed, boolean stopAtEos, int threadsPerTask) implements Serializable {

    public GenerationSpec {
        if (modelDir == null || modelDir.isBlank()) throw new IllegalArgumentException("no model directory");
        if (promptColumn == null || promptColumn.isBlank()) throw new IllegalArgumentException("no prompt column");
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }

    /** Greedy decoding of up to maxTokens tokens per prompt from the column "prompt". */
    public static GenerationSpec greedy(String modelDir, int maxTokens) {
        return new GenerationSpec(modelDir, "prompt", null, maxTokens, 0, 0, 1, 0, true, 0);
    }

    public GenerationSpec withSampling(double temperature, int topK, double topP, long seed) {
        return new GenerationSpec(modelDir, promptColumn, seedColumn, maxTokens, temperature, topK, topP, seed, stopAtEos, threadsPerTask);
    }

    public GenerationSpec withColumns(String prompt, String seed) {
        return new GenerationSpec(modelDir, prompt, seed, maxTokens, temperature, topK, topP, this.seed, stopAtEos, threadsPerTask);
    }

    public GenerationSpec withThreadsPerTask(int threads) {
        return new GenerationSpec(modelDir, promptColumn, seedColumn, maxTokens, temperature, topK, topP, seed, stopAtEos, threads);
    }

    /** The engine's options for a row sampled with rowSeed: exactly what `trident generate --seed rowSeed` uses. */
    public SamplingOptions sampling(long rowSeed) {
        return new SamplingOptions(maxTokens, temperature, topK, topP, rowSeed, stopAtEos);
    }
}
