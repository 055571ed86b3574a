package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.blt.BltFiles;
import dev.trident.blt.BltTrainOptions;
import dev.trident.blt.BltTrainer;
import dev.trident.train.TrainResult;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** `trident train` for the Byte Latent Transformer presets (tiny-blt, small-blt): the whole pipeline. */
final class BltRun {
    private BltRun() {}

    static int train(TrainCommand t) {
        if (t.mtp != null || t.mtpWeight != null || t.moeGamma != null || t.moeAlpha != null || t.expertDropout != null || !t.precision.equals("fp32") || t.seqLen != null
                || !t.clock.equals("wall"))
            throw new TridentException("--mtp, --mtp-weight, --moe-*, --precision fp8, --seq-len and --clock cpu do not apply to BLT presets");
        Checks.outDir(t.out);
        BltTrainOptions o = t.blt.apply(BltTrainOptions.of(t.data, t.preset, t.out))
                .withSteps(t.steps).withMinutes(t.minutes).withSeed(t.seed).withResume(t.resume)
                .withBatchSize(t.batchSize == null ? 0 : t.batchSize).withLearningRate(t.learningRate == null ? 0 : t.learningRate)
                .withEvalEvery(t.evalEvery == null ? 0 : t.evalEvery).withCheckpointEvery(t.checkpointEvery == null ? 0 : t.checkpointEvery);
        PrintWriter stdout = t.spec.commandLine().getOut(), stderr = t.spec.commandLine().getErr();
        TrainResult r;
        try (TrainProgress progress = new TrainProgress(stderr)) {
            r = BltTrainer.train(o, progress);
        }
        TrainReport.print(r, t.preset, TrainReport.plot(r, t.preset, stderr), false, stdout);
        Map<String, Object> info = BltFiles.readInfo(t.out.resolve(BltFiles.CONFIG));
        stdout.printf(Locale.ROOT, "patches     %.2f bytes per patch on validation (%.2f on training), threshold %.4f nats%n",
                num(info, "mean_patch_size_val"), num(info, "mean_patch_size_train"), num(info, "threshold"));
        stdout.printf(Locale.ROOT, "flops       %.2f MFLOP/byte inference (+%.2f entropy model); %.3g training FLOPs%n",
                num(info, "inference_flops_per_byte") / 1e6, num(info, "entropy_flops_per_byte") / 1e6, num(info, "train_flops"));
        if (r.finalEval() != null) stdout.printf(Locale.ROOT, "val_bpb=%.4f%n", r.finalEval().valBpb());
        stdout.flush();
        return ExitCodes.OK;
    }

    static double num(Map<String, Object> info, String key) {
        return info.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** `trident eval` of a BLT model: BPB, mean patch size and the FLOP account per byte (stdout). */
    static int eval(java.nio.file.Path model, byte[] validation, java.nio.file.Path data, PrintWriter out, PrintWriter err) {
        BltFiles.Loaded m = BltFiles.load(model);
        var c = m.model().config;
        if (validation.length < c.seqLen())
            throw new TridentException("data file " + data + ": its validation part (" + validation.length + " bytes) is shorter than one window of " + c.seqLen());
        float[] h;
        err.printf(Locale.ROOT, "entropies of %,d bytes ...%n", validation.length);
        err.flush();
        h = m.entropy() == null ? new float[validation.length] : m.entropy().entropies(validation, c.patcher().resetAtNewline(), null);
        var patcher = new dev.trident.blt.patch.Patcher(c.patcher());
        var d = new dev.trident.blt.BltData(validation, h, patcher, c.seqLen());
        int windows = d.coveringWindows(Integer.MAX_VALUE)[0].length;
        dev.trident.blt.BltEvaluator.Result r;
        try (Progress.Bar bar = Progress.bar("eval", windows, 0, err)) {
            bar.setExtraMessage(String.format(Locale.ROOT, "%s parameters, %s bytes", Format.count(m.model().params.count()), Format.count(validation.length)));
            r = dev.trident.blt.BltEvaluator.evaluate(m.model(), d, Integer.MAX_VALUE, bar::stepTo);
        }
        var f = dev.trident.blt.BltFlops.perByte(c, r.meanPatchSize(), m.entropy() == null ? 0 : m.entropy().forwardFlopsPerByte());
        err.printf(Locale.ROOT, "evaluated %,d bytes of %s in windows of %d bytes%n", r.bytes(), data, c.seqLen());
        err.flush();
        out.printf(Locale.ROOT, "val_loss=%.4f%n", r.natsPerByte());
        out.printf(Locale.ROOT, "patching=%s threshold=%.4f%n", c.patcher().mode().cliName(), c.patcher().threshold());
        out.printf(Locale.ROOT, "mean_patch_size=%.3f%n", r.meanPatchSize());
        out.printf(Locale.ROOT, "flops_per_byte=%.4g (encoder %.4g, global %.4g, decoder %.4g; entropy model not included)%n",
                f.model(), f.encoder(), f.global(), f.decoder());
        out.printf(Locale.ROOT, "flops_per_byte_with_entropy=%.4g (entropy model %.4g)%n", f.withEntropy(), f.entropy());
        out.printf(Locale.ROOT, "val_bpb=%.4f%n", r.bitsPerByte());
        out.flush();
        return ExitCodes.OK;
    }

    /** `trident generate` with a BLT model: bytes stream to stdout; patching and speed figures to stderr. */
    static int generate(java.nio.file.Path model, String prompt, dev.trident.infer.SamplingOptions sampling, PrintWriter out, PrintWriter err) {
        BltFiles.Loaded m = BltFiles.load(model);
        var g = new dev.trident.blt.BltGenerator(m.model(), m.entropy());
        var r = g.generate(prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8), sampling, piece -> {
            out.print(piece);
            out.flush();
        });
        out.println();
        out.flush();
        int positions = g.positions();
        err.printf(Locale.ROOT, "%d prompt bytes, %d generated in %s (%.1f bytes/s), stop: %s; %d patches, %.2f bytes per patch "
                        + "(the global transformer ran %d times for %d bytes)%n",
                r.promptBytes(), r.bytes().length, Format.duration(r.seconds()), r.bytes().length / Math.max(1e-9, r.seconds()),
                r.stopReason(), r.patches(), r.meanPatchSize(positions), r.patches(), positions - 1);
        err.flush();
        return ExitCodes.OK;
    }
}
