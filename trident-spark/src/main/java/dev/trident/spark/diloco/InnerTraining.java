package dev.trident.spark.diloco;

import dev.trident.TridentException;
import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.model.Transformer;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.nn.Router;
import dev.trident.spark.TaskThreads;
import dev.trident.train.AdamW;
import dev.trident.train.LrSchedule;
import dev.trident.train.TokenData;
import dev.trident.train.TrainConfig;

import java.util.List;

/**
 * One worker's part of a DiLoCo round: from the round's parameters theta^(t-1), H steps of the same AdamW loop as
 * `trident train` (warm-up + cosine schedule over the worker's R x H steps, gradient clipping, accumulation, MoE
 * bias balancing) on batches drawn from the worker's shard, then Delta_i = theta^(t-1) - theta_i^(t).
 *
 * <p>The worker's AdamW moments and step count continue from its previous round ({@link InnerStates}), as in the
 * paper; only the weights are replaced by the shared theta^(t-1). Everything is a function of (seed, worker, round,
 * step) and the state file the task reads: the batch of global inner step s is shard.batch(seed_i, s), so a retried
 * task recomputes exactly the same change.
 */
final class InnerTraining {
    private InnerTraining() {}

    static WorkerUpdate run(WorkerSpec s, float[] theta, int round, int worker) {
        TaskThreads.configure(s.threadsPerTask());
        TokenData shard = WorkerShards.get(s, worker);
        TrainConfig tc = s.trainConfig();
        Transformer model = new Transformer(s.modelConfig(), s.seed());
        List<Parameter> params = model.params.all();
        AdamW opt = new AdamW(params, tc.beta1(), tc.beta2(), 1e-8, tc.weightDecay());
        if (s.keepsInnerState() && round > 0) InnerStates.restore(s.innerStateDir(), worker, round, s.innerSteps(), params, opt);
        FlatParameters.copyInto(theta, params);
        int total = s.totalInnerSteps();
        LrSchedule schedule = new LrSchedule(tc.learningRate(), tc.minLr(), Math.min(tc.warmupSteps(), Math.max(1, total / 10)), total);
        List<MixtureOfExperts> moe = model.moeLayers(true);
        long workerSeed = workerSeed(s.seed(), worker);
        Tape tape = new Tape();
        double lossSum = 0;
        for (int h = 0; h < s.innerSteps(); h++) {
            FaultInjection.beforeInnerStep(round, worker, h, s.innerSteps());
            int step = round * s.innerSteps() + h;
            model.params.zeroGrads();
            double loss = 0;
            for (int micro = 0; micro < tc.gradAccum(); micro++) {
                TokenData.Batch b = shard.batch(workerSeed, step, micro, tc.batchSize(), tc.seqLen());
                Transformer.Loss l = model.loss(tape, b.inputs(), b.targets(), b.batch(), b.seq(), tc.dropout(),
                        workerSeed * 31 + step * 7919L + micro, (float) tc.mtpWeight());
                Tensor t = tc.gradAccum() > 1 ? Ops.scale(tape, l.total(), 1f / tc.gradAccum()) : l.total();
                loss += l.main() / tc.gradAccum();
                tape.backward(t);
                tape.reset();
            }
            if (!Double.isFinite(loss))
                throw new TridentException("training diverged on worker " + worker + " at inner step " + step + ": loss is " + loss + "; lower --lr");
            AdamW.clipGradNorm(params, tc.gradClip());
            opt.step(schedule.at(step));
            for (MixtureOfExperts m : moe) { // auxiliary-loss-free balancing, as the single-process trainer does
                Router r = m.router;
                r.updateBias(r.takeLoad());
            }
            lossSum += loss;
        }
        if (s.keepsInnerState()) InnerStates.save(s.innerStateDir(), worker, round + 1, s.innerSteps(), params, opt);
        float[] after = FlatParameters.of(params);
        float[] delta = new float[theta.length];
        for (int i = 0; i < delta.length; i++) delta[i] = theta[i] - after[i];
        return new WorkerUpdate(worker, delta, lossSum / s.innerSteps());
    }

    /** Worker i's data seed: distinct workers draw distinct batches. */
    static long workerSeed(long seed, int worker) {
        long z = seed + 0x9E3779B97F4A7C15L * (worker + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }
}
