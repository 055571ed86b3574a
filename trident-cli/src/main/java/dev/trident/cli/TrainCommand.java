package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.model.Presets;
import dev.trident.train.TrainOptions;
import dev.trident.train.TrainResult;
import dev.trident.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** trident train: a model from a text file, with a progress bar, a summary, metrics.csv and loss.png. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model on a text file.",
                "Writes the model, checkpoints, metrics.csv and loss.png to --out; prints a summary whose last "
                        + "line is val_bpb=<number>."})
final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;
    @Mixin BltTrainOptionsMixin blt;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Training text (UTF-8). The last 10%% of its bytes is held out for validation.")
    Path data;

    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "Model and training preset (listed below).")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the model and its run go.")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "Stop after N optimizer steps (default: the preset's).")
    Integer steps;

    @Option(names = "--minutes", paramLabel = "M",
            description = "Stop after M minutes of training; with --steps, whichever comes first.")
    Double minutes;

    @Option(names = "--clock", paramLabel = "wall|cpu", defaultValue = "wall",
            description = "What --minutes counts: wall-clock time, or CPU time of the process (fair between runs on a machine shared with other work; default: ${DEFAULT-VALUE}).")
    String clock;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1337",
            description = "Random seed for initialization and batches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out if there is one.")
    boolean resume;

    @Option(names = "--batch-size", paramLabel = "B", description = "Sequences per step (default: the preset's).")
    Integer batchSize;

    @Option(names = "--seq-len", paramLabel = "T", description = "Tokens per sequence (default: the preset's).")
    Integer seqLen;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default: the preset's).")
    Double learningRate;

    @Option(names = "--eval-every", paramLabel = "N",
            description = "Measure validation loss every N steps (default: the preset's).")
    Integer evalEvery;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Save a checkpoint every N steps (default: the preset's).")
    Integer checkpointEvery;

    @Option(names = "--moe-gamma", paramLabel = "G",
            description = "MoE presets: bias update rate of auxiliary-loss-free balancing; 0 turns it off (default: the preset's, 0.01).")
    Double moeGamma;

    @Option(names = "--moe-alpha", paramLabel = "A",
            description = "MoE presets: weight of the sequence-wise balance loss; 0 turns it off (default: the preset's, 0.0001).")
    Double moeAlpha;

    @Option(names = "--expert-dropout", paramLabel = "P",
            description = "MoE presets: dropout rate of the routed experts' hidden activations while training, as Switch Transformer / ST-MoE use on small data (default: the preset's, from the second epoch on; 0 turns it off).")
    Double expertDropout;

    @Option(names = "--expert-dropout-on-repeats",
            description = "Apply --expert-dropout only once the training text repeats (from the second epoch on).")
    boolean expertDropoutOnRepeats;

    @Option(names = "--mtp", paramLabel = "D",
            description = "Train D multi-token prediction modules (DeepSeek-V3 MTP, 0-4) for speculative decoding (default: the preset's).")
    Integer mtp;

    @Option(names = "--mtp-weight", paramLabel = "L",
            description = "lambda: weight of the MTP losses, added as lambda / D * sum (default: 0.3, DeepSeek-V3's).")
    Double mtpWeight;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
            description = "fp32, or fp8: Linear GEMM inputs rounded to E4M3 with 1x128 / 128x128 scaling, fp32 accumulation and master weights (DeepSeek-V3's recipe, emulated; default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--adam-moments", paramLabel = "fp32|bf16", defaultValue = "fp32",
            description = "How AdamW stores its moments m and v: fp32, or bf16 (round to nearest even, as in DeepSeek-V3; half the optimizer memory; default: ${DEFAULT-VALUE}).")
    String adamMoments;

    @Override
    public Integer call() {
        threads.apply();
        if (!precision.equals("fp32") && !precision.equals("fp8"))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--precision must be fp32 or fp8, got " + precision);
        if (!adamMoments.equals("fp32") && !adamMoments.equals("bf16"))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--adam-moments must be fp32 or bf16, got " + adamMoments);
        if (!clock.equals("wall") && !clock.equals("cpu"))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--clock must be wall or cpu, got " + clock);
        Checks.nonNegative(spec, "--mtp", mtp);
        if (mtp != null && mtp > 4) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mtp must be between 0 and 4, got " + mtp);
        Checks.nonNegative(spec, "--mtp-weight", mtpWeight);
        Checks.nonNegative(spec, "--moe-gamma", moeGamma);
        Checks.nonNegative(spec, "--moe-alpha", moeAlpha);
        Checks.nonNegative(spec, "--expert-dropout", expertDropout);
        if (expertDropout != null && expertDropout >= 1)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--expert-dropout must be below 1, got " + expertDropout);
        Checks.positive(spec, "--steps", steps);
        Checks.positive(spec, "--minutes", minutes);
        Checks.positive(spec, "--batch-size", batchSize);
        Checks.positive(spec, "--seq-len", seqLen);
        Checks.positive(spec, "--lr", learningRate);
        Checks.positive(spec, "--eval-every", evalEvery);
        Checks.positive(spec, "--checkpoint-every", checkpointEvery);
        Checks.dataFile(data);
        if (dev.trident.blt.BltPresets.has(preset)) return BltRun.train(this);
        if (blt.any()) throw new TridentException("--entropy-model, --patch-size, --patching, --train-flops and the other BLT options need a BLT preset (tiny-blt, small-blt)");
        Checks.preset(preset);
        Checks.outDir(out);
        if (steps == null) steps = blt.bpeSteps(preset, batchSize, seqLen);

        TrainOptions options = TrainOptions.of(data, preset, out)
                .withSteps(steps).withMinutes(minutes).withSeed(seed).withResume(resume)
                .withBatchSize(orZero(batchSize)).withSeqLen(orZero(seqLen))
                .withLearningRate(learningRate == null ? 0 : learningRate)
                .withEvalEvery(orZero(evalEvery)).withCheckpointEvery(orZero(checkpointEvery));
        options = options.withMtp(mtp).withMtpWeight(mtpWeight).withFp8(precision.equals("fp8")).withCpuClock(clock.equals("cpu"))
                .withAdamMoments(adamMoments.equals("bf16") ? dev.trident.train.AdamW.Moments.BF16 : dev.trident.train.AdamW.Moments.FP32);
        if (moeGamma != null || moeAlpha != null || expertDropout != null || expertDropoutOnRepeats) {
            var moe = Presets.get(preset).model().moe();
            if (moe == null) throw new TridentException("--moe-gamma, --moe-alpha, --expert-dropout and --expert-dropout-on-repeats need a mixture-of-experts preset; " + preset + " is dense");
            options = options.withMoeTraining(new TrainOptions.MoeTraining(moeGamma != null ? moeGamma : moe.biasUpdateRate(),
                    moeAlpha != null ? moeAlpha : moe.balanceAlpha(), expertDropout != null ? expertDropout : Presets.get(preset).train().expertDropout(),
                    expertDropoutOnRepeats || expertDropout == null));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        TrainResult result = run(options, stderr);
        TrainReport.print(result, preset, TrainReport.plot(result, preset, stderr), true, stdout);
        return ExitCodes.OK;
    }

    /** Runs the trainer with the progress bar on stderr; shared with `trident demo`. */
    static TrainResult run(TrainOptions options, PrintWriter stderr) {
        try (TrainProgress progress = new TrainProgress(stderr)) {
            return Trainer.train(options, progress);
        }
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }
}
