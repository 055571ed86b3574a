package dev.trident.blt;

import dev.trident.TridentException;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.blt.BltPresets.BltPreset;
import dev.trident.blt.entropy.EntropyModel;
import dev.trident.blt.patch.PatchStats;
import dev.trident.blt.patch.Patcher;
import dev.trident.blt.patch.PatcherSpec;
import dev.trident.eval.Evaluator;
import dev.trident.io.json.Json;
import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.train.AdamW;
import dev.trident.train.EvalPoint;
import dev.trident.train.LrSchedule;
import dev.trident.train.MetricsLog;
import dev.trident.train.StepMetrics;
import dev.trident.train.TrainConfig;
import dev.trident.train.TrainListener;
import dev.trident.train.TrainOptions;
import dev.trident.train.TrainPlan;
import dev.trident.train.TrainResult;
import dev.trident.train.Trainer;
import dev.trident.train.TrainerState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole BLT pipeline from raw text: (1) the entropy model, trained by the ordinary {@link Trainer} on the same
 * 90/10 split (or an existing one), (2) next-byte entropies of the training and validation bytes, (3) the threshold
 * calibrated to the target mean patch size on the training bytes, (4) the BLT trained with AdamW (hash tables
 * updated sparsely), warm-up + cosine, clipping, periodic validation, atomic checkpoints and exact resume.
 */
public final class BltTrainer {
    private static final int TIME_CHECK_STEPS = 5;
    /** Calibration looks at this many training bytes at most. */
    private static final int CALIBRATION_BYTES = 2 << 20;

    private BltTrainer() {}

    public static TrainResult train(BltTrainOptions o, TrainListener listener) {
        BltPreset preset = BltPresets.get(o.preset());
        byte[] corpus = Trainer.readCorpus(o.data());
        Path out = o.out();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new TridentException(out + ": cannot create output folder (" + e.getMessage() + ")");
        }
        Path statePath = out.resolve(TrainerState.FILE);
        boolean resuming = o.resume() && Files.isRegularFile(statePath) && BltFiles.isBltModel(out);
        Map<String, Object> savedRun = resuming ? TrainerState.readRun(statePath) : Map.of();
        byte[] train = Evaluator.trainingSplit(corpus), val = Evaluator.validationSplit(corpus);
        int batchSize = o.batchSize() > 0 ? o.batchSize() : savedRun.get("batch_size") instanceof Long b ? b.intValue() : 0;
        double lrOverride = o.learningRate() > 0 ? o.learningRate() : savedRun.get("lr") instanceof Double d ? d : 0;
        TrainConfig tc = preset.train().with(batchSize, 0, lrOverride, 0).withEvalEvery(o.evalEvery());

        // 1. The entropy model and the patcher's settings.
        BltConfig c;
        EntropyModel em;
        Map<String, Object> info = new LinkedHashMap<>();
        if (resuming) {
            c = BltFiles.parseConfig(out.resolve(BltFiles.CONFIG));
            info.putAll(BltFiles.readInfo(out.resolve(BltFiles.CONFIG)));
            em = c.patcher().mode().usesEntropy() ? EntropyModel.load(out.resolve(BltFiles.ENTROPY_DIR)) : null;
        } else {
            PatcherSpec spec = preset.model().patcher();
            if (o.patching() != null) spec = spec.withMode(o.patching());
            if (o.patchSize() != null) spec = spec.withTarget(o.patchSize());
            if (o.resetAtNewline() != null) spec = spec.withResetAtNewline(o.resetAtNewline());
            if (o.maxPatchLength() != null) spec = spec.withMaxPatchLength(o.maxPatchLength());
            c = preset.model().withPatcher(spec);
            em = spec.mode().usesEntropy() ? entropyModel(o, preset, info, listener) : null;
        }
        int seq = c.seqLen();
        if (train.length < seq + 1 || val.length < seq)
            throw new TridentException(o.data() + ": too little text for windows of " + seq + " bytes (" + corpus.length + " bytes; need about " + 10 * seq + ")");

        // 2. Entropies of every training and validation byte.
        float[] trainH = entropies(em, train, c.patcher().resetAtNewline(), "training", listener);
        float[] valH = entropies(em, val, c.patcher().resetAtNewline(), "validation", listener);

        // 3. The threshold that gives the target mean patch size.
        if (!resuming && c.patcher().mode().usesEntropy()) {
            listener.onPhase(String.format(Locale.ROOT, "calibrating the %s threshold to %.2f bytes per patch",
                    c.patcher().mode().cliName(), c.patcher().targetPatchSize()));
            int n = Math.min(train.length, CALIBRATION_BYTES);
            c = c.withPatcher(PatchStats.calibrate(c.patcher(), Arrays.copyOf(train, n), Arrays.copyOf(trainH, n), seq));
        }
        Patcher patcher = new Patcher(c.patcher());
        BltData trainData = new BltData(train, trainH, patcher, seq), valData = new BltData(val, valH, patcher, seq);
        double trainPatch = PatchStats.meanPatchSize(patcher, train, trainH, seq), valPatch = PatchStats.meanPatchSize(patcher, val, valH, seq);
        BltFlops flops = BltFlops.perByte(c, valPatch, em == null ? 0 : em.forwardFlopsPerByte());
        double trainFlopsPerByte = 3 * BltFlops.perByte(c, trainPatch, 0).model();
        long bytesPerStep = (long) tc.batchSize() * seq;
        info.put("mean_patch_size_train", trainPatch);
        info.put("mean_patch_size_val", valPatch);
        info.put("threshold", c.patcher().threshold());
        info.put("train_flops_per_byte", trainFlopsPerByte);
        info.put("inference_flops_per_byte", flops.model());
        info.put("entropy_flops_per_byte", flops.entropy());
        listener.onPhase(String.format(Locale.ROOT,
                "patches: %s, threshold %.4f nats: %.2f bytes per patch (train), %.2f (validation); %.2f MFLOP/byte inference (+%.2f entropy model)",
                c.patcher().mode().cliName(), c.patcher().threshold(), trainPatch, valPatch, flops.model() / 1e6, flops.entropy() / 1e6));

        // 4. The model and its optimizer.
        BltModel model = new BltModel(c, o.seed());
        List<Parameter> params = model.params.all();
        AdamW opt = new AdamW(params, tc.beta1(), tc.beta2(), 1e-8, tc.weightDecay());
        for (int t = 1; t < model.encoder.tables.length; t++) opt.sparse(model.encoder.tables[t], model.encoder.sparseRows[t]);
        int startStep = 0, scheduleSteps;
        if (o.steps() != null) scheduleSteps = o.steps();
        else if (o.trainFlops() != null) scheduleSteps = (int) Math.max(1, Math.ceil(o.trainFlops() / (trainFlopsPerByte * bytesPerStep)));
        else scheduleSteps = tc.steps();
        if (resuming) {
            TrainerState.Loaded loaded = TrainerState.load(statePath, params, opt);
            startStep = loaded.step();
            if (o.steps() == null && o.trainFlops() == null)
                scheduleSteps = Json.asInt(loaded.run().get("schedule_steps"), "schedule_steps", 1, Integer.MAX_VALUE);
        } else {
            BltFiles.save(out, model, info); // blt.json now, so a resumed run finds the calibrated patcher
        }
        boolean timeBound = o.minutes() != null;
        boolean stepBound = o.steps() != null || o.trainFlops() != null || !timeBound;
        int maxSteps = stepBound ? scheduleSteps : Integer.MAX_VALUE;
        double budget = timeBound ? o.minutes() * 60 : 0;
        int checkpointEvery = o.checkpointEvery() > 0 ? o.checkpointEvery() : tc.evalEvery();

        listener.onStart(new TrainPlan(preset.name(), model.params.count(), startStep, maxSteps == Integer.MAX_VALUE ? -1 : maxSteps,
                budget, (int) bytesPerStep, train.length, val.length, model.params.count() - hashParameters(model), trainFlopsPerByte));

        MetricsLog log = new MetricsLog(out.resolve("metrics.csv"), resuming && startStep > 0);
        List<StepMetrics> history = new ArrayList<>();
        List<EvalPoint> evals = new ArrayList<>();
        Tape tape = new Tape();
        long t0 = System.nanoTime();
        double timeAtCheck = 0, lastLoss = Double.NaN;
        long bytesSeen = 0;
        int step = startStep;
        while (step < maxSteps) {
            double elapsed = (System.nanoTime() - t0) / 1e9;
            if (timeBound && elapsed >= budget) break;
            if (timeBound && !stepBound && !resuming) { // size the cosine schedule from the measured step time
                if (step - startStep == 1) timeAtCheck = elapsed;
                if (step - startStep == 1 + TIME_CHECK_STEPS || (step > startStep + TIME_CHECK_STEPS && step % tc.evalEvery() == 0)) {
                    double perStep = step - startStep == 1 + TIME_CHECK_STEPS ? (elapsed - timeAtCheck) / TIME_CHECK_STEPS : elapsed / (step - startStep);
                    scheduleSteps = Math.max(step + 1, (int) (step + (budget - elapsed) / perStep));
                }
            }
            LrSchedule schedule = new LrSchedule(tc.learningRate(), tc.minLr(), Math.min(tc.warmupSteps(), Math.max(1, scheduleSteps / 10)), scheduleSteps);
            double lr = schedule.at(step);
            model.params.zeroGrads();
            double loss = 0;
            for (int micro = 0; micro < tc.gradAccum(); micro++) {
                BltData.Batch b = trainData.batch(o.seed(), step, micro, tc.batchSize());
                Tensor l = model.loss(tape, b.tokens(), b.targets(), b.layout(c), tc.dropout(), o.seed() * 31 + step * 7919L + micro);
                Tensor total = tc.gradAccum() > 1 ? dev.trident.autograd.Ops.scale(tape, l, 1f / tc.gradAccum()) : l;
                loss += l.data[0] / tc.gradAccum();
                tape.backward(total);
                tape.reset();
            }
            if (!Double.isFinite(loss)) throw new TridentException("training diverged at step " + step + ": loss is " + loss + "; lower --lr or check the data");
            double gradNorm = AdamW.clipGradNorm(params, tc.gradClip());
            opt.step(lr);
            step++;
            bytesSeen += bytesPerStep * tc.gradAccum();
            lastLoss = loss;
            elapsed = (System.nanoTime() - t0) / 1e9;
            double progress = timeBound ? Math.max(elapsed / budget, maxSteps == Integer.MAX_VALUE ? 0 : (double) step / maxSteps) : (double) step / maxSteps;
            StepMetrics m = new StepMetrics(step, maxSteps == Integer.MAX_VALUE ? -1 : maxSteps, loss, lr, gradNorm,
                    bytesSeen / Math.max(1e-9, elapsed), elapsed, Math.min(1, progress));
            history.add(m);
            listener.onStep(m);
            EvalPoint ep = null;
            if (step % tc.evalEvery() == 0) {
                tape.release(); // its buffers and the evaluation's would otherwise be held at once
                ep = validate(model, valData, step, tc.evalTokens());
                evals.add(ep);
                listener.onEval(ep);
            }
            log.append(m, ep);
            if (step % checkpointEvery == 0 && step < maxSteps) {
                checkpoint(out, model, params, opt, step, scheduleSteps, o, preset, tc, info);
                listener.onCheckpoint(step, out);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        info.put("steps", (long) step);
        info.put("train_flops", trainFlopsPerByte * bytesPerStep * tc.gradAccum() * step);
        // Saved before the final validation, so a failure there (e.g. out of memory) costs no training.
        checkpoint(out, model, params, opt, step, scheduleSteps, o, preset, tc, info);
        listener.onCheckpoint(step, out);
        tape.release();
        listener.onPhase("final validation");
        EvalPoint last = validate(model, valData, step, Integer.MAX_VALUE);
        evals.add(last);
        listener.onEval(last);
        log.append(null, last);
        info.put("val_bpb", last.valBpb());
        BltFiles.save(out, model, info);
        return new TrainResult(out, step, lastLoss, last, bytesSeen / Math.max(1e-9, seconds), seconds, history, evals,
                out.resolve("metrics.csv"));
    }

    /** Validation on the first maxBytes validation bytes: nats per byte and bits per byte. */
    static EvalPoint validate(BltModel model, BltData val, int step, int maxBytes) {
        BltEvaluator.Result r = BltEvaluator.evaluate(model, val, maxBytes, null);
        return new EvalPoint(step, r.natsPerByte(), r.bitsPerByte());
    }

    private static long hashParameters(BltModel m) {
        long n = 0;
        for (int t = 1; t < m.encoder.tables.length; t++) n += m.encoder.tables[t].size();
        return n;
    }

    /** An existing entropy model copied into out/entropy, or one trained there by the ordinary trainer. */
    private static EntropyModel entropyModel(BltTrainOptions o, BltPreset preset, Map<String, Object> info, TrainListener listener) {
        Path dir = o.out().resolve(BltFiles.ENTROPY_DIR);
        if (o.entropyModel() != null) {
            EntropyModel given = EntropyModel.load(o.entropyModel());
            if (!o.entropyModel().toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize()))
                BltFiles.copyEntropyModel(o.entropyModel(), o.out());
            info.put("entropy_model_from", o.entropyModel().toString());
            return given;
        }
        int steps = o.entropySteps() != null ? o.entropySteps() : preset.entropySteps();
        listener.onPhase("training the entropy model (" + preset.entropyPreset() + ", " + steps + " steps) into " + dir);
        TrainResult r = Trainer.train(TrainOptions.of(o.data(), preset.entropyPreset(), dir).withSteps(steps).withSeed(o.seed())
                .withResume(o.resume()), listener);
        ModelConfig ec = Presets.get(preset.entropyPreset()).model();
        TrainConfig et = Presets.get(preset.entropyPreset()).train();
        info.put("entropy_model_val_bpb", r.finalEval() == null ? null : r.finalEval().valBpb());
        info.put("entropy_model_train_flops", 3 * ec.forwardFlopsPerToken(et.seqLen() / 2) * et.tokensPerStep() * r.steps());
        return EntropyModel.load(dir);
    }

    /** H(x_i) of every byte (zeros when the patching needs none), reporting progress as phases on long texts. */
    static float[] entropies(EntropyModel em, byte[] text, boolean resetAtNewline, String what, TrainListener listener) {
        if (em == null) return new float[text.length];
        listener.onPhase(String.format(Locale.ROOT, "entropies of the %s bytes (%,d)", what, text.length));
        long[] reported = {0};
        return em.entropies(text, resetAtNewline, done -> {
            if (text.length > 4_000_000 && done - reported[0] > text.length / 4) {
                reported[0] = done;
                listener.onPhase(String.format(Locale.ROOT, "entropies: %d%% of the %s bytes", 100 * done / text.length, what));
            }
        });
    }

    private static void checkpoint(Path out, BltModel model, List<Parameter> params, AdamW opt, int step, int scheduleSteps,
                                   BltTrainOptions o, BltPreset preset, TrainConfig tc, Map<String, Object> info) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("preset", preset.name());
        run.put("seed", o.seed());
        run.put("step", (long) step);
        run.put("schedule_steps", (long) scheduleSteps);
        run.put("data", o.data().toString());
        run.put("batch_size", (long) tc.batchSize());
        run.put("lr", tc.learningRate());
        TrainerState.save(out.resolve(TrainerState.FILE), step, run, params, opt);
        BltFiles.save(out, model, info);
    }
}
