package dev.trident.blt;

import dev.trident.blt.patch.PatchingMode;

import java.nio.file.Path;

/**
 * A BLT training run as asked for. Nullable fields keep the preset's value. trainFlops, when set, sizes the run in
 * training FLOPs (3 x forward, the entropy model not included) instead of steps, so a BLT can be trained on the
 * same compute as a BPE model. entropyModel: an existing entropy model directory (else the pipeline trains the
 * preset's for entropySteps).
 */
public record BltTrainOptions(Path data, String preset, Path out, Integer steps, Double minutes, Double trainFlops,
                              long seed, boolean resume, int batchSize, double learningRate, int evalEvery,
                              int checkpointEvery, Path entropyModel, Integer entropySteps, Double patchSize,
                              PatchingMode patching, Boolean resetAtNewline, Integer maxPatchLength) {

    public static BltTrainOptions of(Path data, String preset, Path out) {
        return new BltTrainOptions(data, preset, out, null, null, null, 1337L, false, 0, 0, 0, 0, null, null, null, null, null, null);
    }

    public BltTrainOptions withSteps(Integer s) { return new BltTrainOptions(data, preset, out, s, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withMinutes(Double m) { return new BltTrainOptions(data, preset, out, steps, m, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withTrainFlops(Double f) { return new BltTrainOptions(data, preset, out, steps, minutes, f, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withSeed(long s) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, s, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withResume(boolean r) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, r, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withBatchSize(int b) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, b, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withLearningRate(double lr) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, lr, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withEvalEvery(int e) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, e, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withCheckpointEvery(int c) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, c, entropyModel, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withEntropyModel(Path p) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, p, entropySteps, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withEntropySteps(Integer s) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, s, patchSize, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withPatchSize(Double s) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, s, patching, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withPatching(PatchingMode m) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, m, resetAtNewline, maxPatchLength); }
    public BltTrainOptions withResetAtNewline(Boolean r) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, r, maxPatchLength); }
    public BltTrainOptions withMaxPatchLength(Integer m) { return new BltTrainOptions(data, preset, out, steps, minutes, trainFlops, seed, resume, batchSize, learningRate, evalEvery, checkpointEvery, entropyModel, entropySteps, patchSize, patching, resetAtNewline, m); }
}
