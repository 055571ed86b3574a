package dev.trident.train;

import dev.trident.TridentException;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.eval.Evaluator;
import dev.trident.io.json.Json;
import dev.trident.model.ModelConfig;
import dev.trident.model.ModelFiles;
import dev.trident.model.Presets;
import dev.trident.model.Presets.Preset;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.tokenizer.BpeTrainer;
import dev.trident.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a model from raw text: BPE tokenizer on the training bytes, a 90/10 byte split, the AdamW loop with
 * warm-up + cosine schedule, gradient clipping and accumulation, periodic validation, atomic checkpoints, and
 * resume that continues bit-exactly (the data of a step depends only on the seed and the step number).
 */
public final class Trainer {
    private static final int TIME_CHECK_STEPS = 5;

    private Trainer() {}

    /** Runs the whole training job; throws TridentException for bad input (missing data, unknown preset...). */
    public static TrainResult train(TrainOptions options, TrainListener listener) {
        return train(options, Presets.get(options.preset()), listener);
    }

    /**
     * The same with a model and training setup that need not be a named preset (the efficiency lab's wider dense
     * references); options.preset() is ignored, preset.name() is what the checkpoint records.
     */
    public static TrainResult train(TrainOptions options, Preset preset, TrainListener listener) {
        byte[] corpus = readCorpus(options.data());
        Path out = options.out();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new TridentException(out + ": cannot create output folder (" + e.getMessage() + ")");
        }
        Path statePath = out.resolve(TrainerState.FILE);
        boolean resuming = options.resume() && Files.isRegularFile(statePath);
        if (resuming) options = withSavedSettings(options, TrainerState.readRun(statePath));
        // A MoE preset's own expert dropout applies, once the text repeats, unless the options set the MoE knobs.
        var presetMoe = preset.model().moe();
        if (options.moeTraining() == null && presetMoe != null && preset.train().expertDropout() > 0)
            options = options.withMoeTraining(new TrainOptions.MoeTraining(presetMoe.biasUpdateRate(), presetMoe.balanceAlpha(),
                    preset.train().expertDropout(), true));

        // Tokenizer: trained on the training split only, then frozen (a resumed run reuses the saved one).
        byte[] trainBytes = Evaluator.trainingSplit(corpus), valBytes = Evaluator.validationSplit(corpus);
        Tokenizer tokenizer;
        Path tokPath = out.resolve(ModelFiles.TOKENIZER);
        if (resuming) {
            tokenizer = Tokenizer.load(tokPath);
        } else {
            listener.onPhase("training tokenizer");
            tokenizer = BpeTrainer.train(trainBytes, preset.train().vocabSize(), List.of("<|endoftext|>"));
            tokenizer.save(tokPath);
            dev.trident.chat.ChatTemplate.writeDefault(out, tokenizer); // tokenizer_config.json: the chat layout, as HF keeps it
        }
        listener.onPhase("tokenizing");
        TokenData train = new TokenData(tokenizer.encode(trainBytes));
        int[] val = tokenizer.encode(valBytes);

        TrainConfig tc = preset.train().with(options.batchSize(), options.seqLen(), options.learningRate(),
                options.steps() != null ? options.steps() : 0).withEvalEvery(options.evalEvery());
        ModelConfig mc = preset.model().withVocabSize(tokenizer.vocabSize());
        if (options.mtpDepth() != null) mc = mc.withMtpDepth(options.mtpDepth());
        if (options.mtpWeight() != null) tc = tc.withMtpWeight(options.mtpWeight());
        if (mc.moe() != null && options.moeTraining() != null)
            mc = mc.withMoe(mc.moe().withBalancing(options.moeTraining().gamma(), options.moeTraining().alpha()), mc.denseLayers());
        // The model's context is the training window (nanoGPT's block_size): RoPE is never asked to extrapolate.
        if (tc.seqLen() != mc.maxSeqLen()) mc = mc.withMaxSeqLen(tc.seqLen());
        if (train.length() <= tc.seqLen() + 1)
            throw new TridentException(options.data() + ": too little text to train on (" + train.length() + " tokens; need more than " + (tc.seqLen() + 1) + ")");

        Transformer model = new Transformer(mc, options.seed());
        for (var moe : model.moeLayers(true)) moe.setExpertDropout((float) expertDropout(options));
        List<Parameter> params = model.params.all();
        ExpertLoadTracker experts = new ExpertLoadTracker(model.moeLayers(true));
        AdamW opt = new AdamW(params, tc.beta1(), tc.beta2(), 1e-8, tc.weightDecay(), options.adamMoments());
        int startStep = 0;
        int scheduleSteps = tc.steps();
        if (resuming) {
            TrainerState.Loaded loaded = TrainerState.load(statePath, params, opt);
            startStep = loaded.step();
            scheduleSteps = options.steps() != null ? options.steps()
                    : Json.asInt(loaded.run().get("schedule_steps"), "schedule_steps", 1, Integer.MAX_VALUE);
        }
        boolean timeBound = options.minutes() != null;
        int maxSteps = options.steps() != null ? options.steps() : (timeBound ? Integer.MAX_VALUE : tc.steps());
        double budget = timeBound ? options.minutes() * 60 : 0;
        int checkpointEvery = options.checkpointEvery() > 0 ? options.checkpointEvery() : tc.evalEvery();

        listener.onStart(new TrainPlan(preset.name(), model.params.count(), startStep,
                maxSteps == Integer.MAX_VALUE ? -1 : maxSteps, budget, tc.tokensPerStep(), train.length(), val.length,
                mc.activeParameterCount(), 3 * (mc.forwardFlopsPerToken(tc.seqLen() / 2) + mc.mtpForwardFlopsPerToken(tc.seqLen() / 2))));

        Path csv = out.resolve("metrics.csv");
        MetricsLog log = new MetricsLog(csv, resuming && startStep > 0);
        List<StepMetrics> history = new ArrayList<>();
        List<EvalPoint> evals = new ArrayList<>();
        Tape tape = new Tape();
        tape.setFp8(options.fp8());
        long t0 = System.nanoTime();
        // The budget's clock: wall time, or this process's CPU time (fair between runs made under different load).
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        boolean cpuClock = options.cpuClock();
        java.util.function.DoubleSupplier clock = cpuClock ? () -> (os.getProcessCpuTime() - cpu0) / 1e9 : () -> (System.nanoTime() - t0) / 1e9;
        double timeAtCheck = 0;
        int step = startStep;
        double lastLoss = Double.NaN;
        long tokensSeen = 0;
        while (step < maxSteps) {
            double elapsed = clock.getAsDouble();
            if (timeBound && elapsed >= budget) break;
            // With only a time budget, size the cosine schedule from the measured step time.
            if (timeBound && options.steps() == null && !resuming) {
                if (step - startStep == 1) timeAtCheck = elapsed;
                if (step - startStep == 1 + TIME_CHECK_STEPS || (step > startStep + TIME_CHECK_STEPS && step % tc.evalEvery() == 0)) {
                    double perStep = step - startStep == 1 + TIME_CHECK_STEPS ? (elapsed - timeAtCheck) / TIME_CHECK_STEPS : elapsed / (step - startStep);
                    scheduleSteps = Math.max(step + 1, (int) (step + (budget - elapsed) / perStep));
                }
            }
            LrSchedule schedule = new LrSchedule(tc.learningRate(), tc.minLr(), Math.min(tc.warmupSteps(), Math.max(1, scheduleSteps / 10)), scheduleSteps);
            double lr = schedule.at(step);

            if (options.moeTraining() != null && options.moeTraining().dropoutOnRepeats()) {
                boolean repeating = (long) step * tc.tokensPerStep() >= train.length();
                for (var moe : model.moeLayers(true)) moe.setExpertDropout(repeating ? (float) expertDropout(options) : 0f);
            }
            model.params.zeroGrads();
            double loss = 0, mtpLoss = 0;
            for (int micro = 0; micro < tc.gradAccum(); micro++) {
                TokenData.Batch b = train.batch(options.seed(), step, micro, tc.batchSize(), tc.seqLen());
                Transformer.Loss l = model.loss(tape, b.inputs(), b.targets(), b.batch(), b.seq(), tc.dropout(),
                        options.seed() * 31 + step * 7919L + micro, (float) tc.mtpWeight());
                Tensor total = tc.gradAccum() > 1 ? dev.trident.autograd.Ops.scale(tape, l.total(), 1f / tc.gradAccum()) : l.total();
                loss += l.main() / tc.gradAccum();
                for (double m : l.mtp()) mtpLoss += m / l.mtp().length / tc.gradAccum();
                tape.backward(total);
                if (options.fp8() && step == startStep && micro == 0) {
                    long[] bytes = tape.linearInputBytes();
                    listener.onPhase(String.format(java.util.Locale.ROOT,
                            "fp8: Linear inputs kept for backward per micro-batch: %.1f MB in fp32, %.1f MB as E4M3 + scales (%.0f%% less)",
                            bytes[0] / 1e6, bytes[1] / 1e6, 100.0 * (1 - (double) bytes[1] / bytes[0])));
                }
                tape.reset();
            }
            if (!Double.isFinite(loss)) throw new TridentException("training diverged at step " + step + ": loss is " + loss + "; lower --lr or check the data");
            double gradNorm = AdamW.clipGradNorm(params, tc.gradClip());
            opt.step(lr);
            double maxVio = experts.afterStep(); // auxiliary-loss-free bias update + load statistics
            step++;
            tokensSeen += tc.tokensPerStep();
            lastLoss = loss;
            elapsed = clock.getAsDouble();
            double progress = timeBound ? Math.max(elapsed / budget, maxSteps == Integer.MAX_VALUE ? 0 : (double) step / maxSteps)
                    : (double) step / maxSteps;
            double wall = (System.nanoTime() - t0) / 1e9;
            StepMetrics m = new StepMetrics(step, maxSteps == Integer.MAX_VALUE ? -1 : maxSteps, loss, lr, gradNorm,
                    tokensSeen / Math.max(1e-9, wall), wall, Math.min(1, progress), maxVio,
                    mc.mtpDepth() > 0 ? mtpLoss : Double.NaN);
            history.add(m);
            listener.onStep(m);
            EvalPoint ep = null;
            if (step % tc.evalEvery() == 0) {
                ep = validate(model, val, tc, valBytes.length, step, false);
                evals.add(ep);
                listener.onEval(ep);
            }
            log.append(m, ep);
            if (step % checkpointEvery == 0 && step < maxSteps) {
                checkpoint(out, model, params, opt, step, scheduleSteps, options, preset);
                listener.onCheckpoint(step, out);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // Saved before the final validation, so a failure there (e.g. out of memory) costs no training.
        checkpoint(out, model, params, opt, step, scheduleSteps, options, preset);
        listener.onCheckpoint(step, out);
        tape.release();
        listener.onPhase("final validation");
        EvalPoint last = validate(model, val, tc, valBytes.length, step, true);
        evals.add(last);
        listener.onEval(last);
        log.append(null, last);
        double[][] shares = experts.loadShares();
        if (shares != null) {
            StringBuilder csvRows = new StringBuilder("moe_layer,expert,load_share\n");
            for (int l = 0; l < shares.length; l++)
                for (int e = 0; e < shares[l].length; e++) csvRows.append(l).append(',').append(e).append(',').append(shares[l][e]).append('\n');
            dev.trident.io.AtomicFile.write(out.resolve("expert-load.csv"), csvRows.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new TrainResult(out, step, lastLoss, last, tokensSeen / Math.max(1e-9, seconds), seconds, history, evals, csv,
                shares);
    }

    /** Validation on up to evalTokens tokens (all of them when full). BPB scales nats by the bytes covered. */
    static EvalPoint validate(Transformer model, int[] val, TrainConfig tc, long valBytes, int step, boolean full) {
        int n = full ? val.length : Math.min(val.length, tc.evalTokens());
        double nats = Evaluator.totalNats(model, val, tc.seqLen(), n);
        double perToken = nats / Math.max(1, n - 1);
        double bytes = (double) valBytes * (n - 1) / Math.max(1, val.length - 1);
        return new EvalPoint(step, perToken, nats / (Math.log(2) * bytes));
    }

    private static void checkpoint(Path out, Transformer model, List<Parameter> params, AdamW opt, int step,
                                   int scheduleSteps, TrainOptions options, Preset preset) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("preset", preset.name());
        run.put("seed", options.seed());
        run.put("step", (long) step);
        run.put("schedule_steps", (long) scheduleSteps);
        run.put("data", options.data().toString());
        // What shapes the model and its updates, so --resume rebuilds the same run without repeating the flags.
        run.put("mtp_depth", (long) model.config.mtpDepth());
        if (options.mtpWeight() != null) run.put("mtp_weight", options.mtpWeight());
        run.put("fp8", options.fp8());
        run.put("adam_moments", options.adamMoments().name().toLowerCase(java.util.Locale.ROOT));
        if (model.config.moe() != null) {
            run.put("moe_gamma", model.config.moe().biasUpdateRate());
            run.put("moe_alpha", model.config.moe().balanceAlpha());
            run.put("expert_dropout", expertDropout(options));
            run.put("expert_dropout_on_repeats", options.moeTraining() != null && options.moeTraining().dropoutOnRepeats());
        }
        if (options.batchSize() > 0) run.put("batch_size", (long) options.batchSize());
        if (options.seqLen() > 0) run.put("seq_len", (long) options.seqLen());
        if (options.learningRate() > 0) run.put("lr", options.learningRate());
        TrainerState.save(out.resolve(TrainerState.FILE), step, run, params, opt);
        ModelFiles.saveWeights(out, model);
    }

    private static double expertDropout(TrainOptions o) {
        return o.moeTraining() == null ? 0 : o.moeTraining().expertDropout();
    }

    /** A resumed run keeps the settings it was started with, unless the command line sets them again. */
    private static TrainOptions withSavedSettings(TrainOptions o, Map<String, Object> run) {
        if (o.mtpDepth() == null && run.get("mtp_depth") instanceof Long d) o = o.withMtp(d.intValue());
        if (o.mtpWeight() == null && run.get("mtp_weight") instanceof Double w) o = o.withMtpWeight(w);
        if (!o.fp8() && Boolean.TRUE.equals(run.get("fp8"))) o = o.withFp8(true);
        if (o.adamMoments() == AdamW.Moments.FP32 && "bf16".equals(run.get("adam_moments"))) o = o.withAdamMoments(AdamW.Moments.BF16);
        if (o.moeTraining() == null && run.get("moe_gamma") instanceof Number g && run.get("moe_alpha") instanceof Number a)
            o = o.withMoeTraining(new TrainOptions.MoeTraining(g.doubleValue(), a.doubleValue(),
                    run.get("expert_dropout") instanceof Number p ? p.doubleValue() : 0,
                    Boolean.TRUE.equals(run.get("expert_dropout_on_repeats"))));
        if (o.batchSize() == 0 && run.get("batch_size") instanceof Long b) o = o.withBatchSize(b.intValue());
        if (o.seqLen() == 0 && run.get("seq_len") instanceof Long t) o = o.withSeqLen(t.intValue());
        if (o.learningRate() == 0 && run.get("lr") instanceof Double lr) o = o.withLearningRate(lr);
        return o;
    }

    public static byte[] readCorpus(Path data) {
        if (data == null) throw new TridentException("no data file given; pass --data FILE");
        if (!Files.exists(data)) throw new TridentException("data file " + data + ": does not exist");
        if (!Files.isRegularFile(data)) throw new TridentException("data file " + data + ": is not a regular file");
        try {
            long size = Files.size(data);
            if (size == 0) throw new TridentException("data file " + data + ": is empty");
            if (size > Integer.MAX_VALUE - 16) throw new TridentException("data file " + data + ": is larger than 2 GB; split it");
            return Files.readAllBytes(data);
        } catch (IOException e) {
            throw new TridentException("data file " + data + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
