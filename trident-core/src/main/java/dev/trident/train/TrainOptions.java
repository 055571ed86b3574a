package dev.trident.train;

import java.nio.file.Path;

/**
 * A training run as the user asked for it. steps and minutes may both be set (the first bound reached ends the run);
 * when neither is set the preset's default steps apply. resume continues from the checkpoint in out if one exists.
 * Overrides (batchSize, seqLen, learningRate) are 0 to keep the preset's value. cpuClock measures the minutes
 * budget in CPU time of this process instead of wall-clock time, so a run on a loaded machine still gets the
 * compute it was given (the efficiency lab compares rungs trained one after another under changing load).
 * adamMoments is how AdamW stores m and v (fp32, or bf16 as in DeepSeek-V3).
 */
public record TrainOptions(Path data, String preset, Path out, Integer steps, Double minutes, long seed,
                           boolean resume, int batchSize, int seqLen, double learningRate, int evalEvery,
                           int checkpointEvery, MoeTraining moeTraining, Integer mtpDepth, Double mtpWeight, boolean fp8,
                           boolean cpuClock, AdamW.Moments adamMoments) {

    /**
     * Overrides of a mixture-of-experts preset's training: gamma of the bias update (0 = off), alpha of the
     * sequence-wise balance loss (0 = off), the dropout rate of the routed experts' hidden activations (0 = off),
     * and whether that dropout waits for the data to repeat (from the second epoch on: memorising needs a second look).
     */
    public record MoeTraining(double gamma, double alpha, double expertDropout, boolean dropoutOnRepeats) {
        public MoeTraining(double gamma, double alpha, double expertDropout) {
            this(gamma, alpha, expertDropout, false);
        }
    }

    public TrainOptions(Path data, String preset, Path out, Integer steps, Double minutes, long seed, boolean resume,
                        int batchSize, int seqLen, double learningRate, int evalEvery, int checkpointEvery) {
        this(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, null, null, null, false, false, AdamW.Moments.FP32);
    }

    public static TrainOptions of(Path data, String preset, Path out) {
        return new TrainOptions(data, preset, out, null, null, 1337L, false, 0, 0, 0, 0, 0, null, null, null, false, false, AdamW.Moments.FP32);
    }

    /** FP8 (E4M3, fine-grained scaling) GEMM inputs for the Linear layers, as in DeepSeek-V3; false = fp32. */
    public TrainOptions withFp8(boolean on) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, on, cpuClock, adamMoments); }
    /** D multi-token prediction modules (null: the preset's). */
    public TrainOptions withMtp(Integer d) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, d, mtpWeight, fp8, cpuClock, adamMoments); }
    /** lambda, the MTP loss weight (null: 0.3). */
    public TrainOptions withMtpWeight(Double w) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, w, fp8, cpuClock, adamMoments); }
    /** Count the minutes budget in CPU time of this process (true) or wall-clock time (false, the default). */
    public TrainOptions withCpuClock(boolean on) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, on, adamMoments); }
    /** How AdamW stores its moments m and v: fp32 (the default) or bf16 (half the optimizer memory). */
    public TrainOptions withAdamMoments(AdamW.Moments mo) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, mo); }
    public TrainOptions withMoeTraining(MoeTraining b) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, b, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }

    public TrainOptions withSteps(Integer s) { return new TrainOptions(data, preset, out, s, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withMinutes(Double m) { return new TrainOptions(data, preset, out, steps, m, seed, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withSeed(long s) { return new TrainOptions(data, preset, out, steps, minutes, s, resume, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withResume(boolean r) { return new TrainOptions(data, preset, out, steps, minutes, seed, r, batchSize, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withBatchSize(int b) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, b, seqLen, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withSeqLen(int t) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, t, learningRate, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withLearningRate(double lr) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, lr, evalEvery, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withEvalEvery(int e) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, e, checkpointEvery, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
    public TrainOptions withCheckpointEvery(int c) { return new TrainOptions(data, preset, out, steps, minutes, seed, resume, batchSize, seqLen, learningRate, evalEvery, c, moeTraining, mtpDepth, mtpWeight, fp8, cpuClock, adamMoments); }
}
