package dev.trident.spark.diloco;

import java.nio.file.Path;

/**
 * A DiLoCo run (Douillard et al. 2023, "DiLoCo: Distributed Low-Communication Training of Language Models"):
 * workers (k) replicas each take innerSteps (H) AdamW steps on their own shard of the data per round, rounds (T)
 * times; the driver moves the shared parameters by the averaged change with Nesterov momentum (outerLr, outerMomentum;
 * the paper's 0.7 and 0.9). data is a text file every executor can read (the first 90% trains, the last 10%
 * validates, as in `trident train`); preset, batchSize, seqLen and learningRate as in `trident train` (0 keeps the
 * preset's); evalEvery rounds a partial validation; threadsPerTask kernel threads per Spark task (0:
 * spark.task.cpus); keepInnerState: each worker's AdamW moments carry over from round to round, as in the paper
 * (false restarts them every round; see {@link InnerStates}), kept in workerStateDir (null: diloco-workers in out),
 * which every executor must be able to read and write; shardBlock: the training text is cut into blocks of this
 * many bytes dealt round-robin to the workers, so every worker's share spans the whole corpus (disjoint, and about
 * identically distributed, as the paper's shards); 0 gives each worker one contiguous slice.
 */
public record DilocoOptions(Path data, String preset, Path out, int workers, int innerSteps, int rounds, long seed,
                            int batchSize, int seqLen, double learningRate, double outerLr, double outerMomentum,
                            int evalEvery, boolean resume, int threadsPerTask, boolean keepInnerState, Path workerStateDir, int shardBlock) {

    public static final double PAPER_OUTER_LR = 0.7, PAPER_OUTER_MOMENTUM = 0.9;
    /** Bytes per block of the training text dealt round-robin to the workers (0: one contiguous slice each). */
    public static final int DEFAULT_SHARD_BLOCK = 16384;

    public DilocoOptions {
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        if (innerSteps < 1) throw new IllegalArgumentException("inner steps must be >= 1, got " + innerSteps);
        if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        if (outerLr <= 0) throw new IllegalArgumentException("outer learning rate must be > 0, got " + outerLr);
        if (outerMomentum < 0 || outerMomentum >= 1) throw new IllegalArgumentException("outer momentum must be in [0, 1), got " + outerMomentum);
        if (shardBlock < 0) throw new IllegalArgumentException("shard block must be >= 0, got " + shardBlock);
    }

    /** The paper's outer optimizer, the preset's batch, context and learning rate, seed 1337. */
    public static DilocoOptions of(Path data, String preset, Path out, int workers, int innerSteps, int rounds) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, 1337L, 0, 0, 0,
                PAPER_OUTER_LR, PAPER_OUTER_MOMENTUM, 1, false, 0, true, null, DEFAULT_SHARD_BLOCK);
    }

    public DilocoOptions withBatch(int batch, int seq) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batch, seq, learningRate, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withSeed(long s) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, s, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withOut(Path o) {
        return new DilocoOptions(data, preset, o, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withResume(boolean r) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, r, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withOuter(double lr, double momentum) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, lr, momentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withLearningRate(double lr) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, lr, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withEvalEvery(int e) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, e, resume, threadsPerTask, keepInnerState, workerStateDir, shardBlock);
    }

    public DilocoOptions withKeepInnerState(boolean k) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, k, workerStateDir, shardBlock);
    }

    public DilocoOptions withShardBlock(int b) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, resume, threadsPerTask, keepInnerState, workerStateDir, b);
    }

    public DilocoOptions withThreadsPerTask(int t) {
        return new DilocoOptions(data, preset, out, workers, innerSteps, rounds, seed, batchSize, seqLen, learningRate, outerLr, outerMomentum, evalEvery, resume, t, keepInnerState, workerStateDir, shardBlock);
    }
}
