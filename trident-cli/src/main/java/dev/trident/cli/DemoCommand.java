package dev.trident.cli;

import dev.trident.infer.SamplingOptions;
import dev.trident.model.Model;
import dev.trident.model.Presets;
import dev.trident.train.EvalPoint;
import dev.trident.train.TrainOptions;
import dev.trident.train.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * trident demo: the whole story in one command. Trains a small DeepSeek-style model (mixture of experts with one
 * multi-token prediction module) on the built-in Shakespeare for a few minutes, then writes a sample from it with
 * self-speculative decoding.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a small model on the built-in Shakespeare corpus for a few minutes, then generate "
                + "a sample from it.",
                "Prints a training summary, the sample, and, as its last line, val_bpb=<bits/byte>."})
final class DemoCommand implements Callable<Integer> {
    static final String DEFAULT_PRESET = "small-moe";
    static final String PROMPT = "ROMEO:";
    static final int SAMPLE_TOKENS = 300;

    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;

    @Option(names = "--minutes", paramLabel = "M", defaultValue = "5",
            description = "How long to train (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Model preset (default: " + DEFAULT_PRESET + ", or the first preset if there is none).")
    String preset;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo",
            description = "Where the model goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1337",
            description = "Seed for training and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mtp", paramLabel = "D", defaultValue = "1",
            description = "Multi-token prediction modules to train and draft with; 0 samples without speculation (default: ${DEFAULT-VALUE}).")
    int mtp;

    @Override
    public Integer call() {
        threads.apply();
        Checks.positive(spec, "--minutes", minutes);
        String name = preset != null ? Checks.preset(preset) : defaultPreset();
        Checks.outDir(out);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();

        Path corpus = Corpus.builtIn();
        stderr.printf(Locale.ROOT, "demo: training preset %s on %s for %s, then sampling from \"%s\"%n",
                name, Corpus.NAME, Format.duration(minutes * 60), PROMPT);
        stderr.flush();
        Checks.nonNegative(spec, "--mtp", mtp);
        TrainOptions options = TrainOptions.of(corpus, name, out).withMinutes(minutes).withSeed(seed).withMtp(mtp);
        TrainResult result = TrainCommand.run(options, stderr);
        TrainReport.print(result, name, TrainReport.plot(result, name, stderr), false, stdout);

        stdout.println();
        stdout.println("--- sample (temperature 0.8" + (mtp > 0 ? ", speculative decoding with " + mtp + " MTP draft" + (mtp > 1 ? "s" : "") : "") + ") ---");
        stdout.print(PROMPT);
        stdout.flush();
        SamplingOptions sampling = new SamplingOptions(SAMPLE_TOKENS, 0.8, 0, 1.0, seed, true);
        if (mtp > 0) GenerateCommand.speculative(Model.load(out), PROMPT, sampling, mtp, stdout, stderr);
        else GenerateCommand.generate(Model.load(out), PROMPT, sampling, stdout, stderr);
        stdout.println("---");
        stderr.printf("next: ./trident generate --model %s --prompt 'JULIET:'  (or see loss.png in %s)%n", out, out);
        stderr.flush();
        EvalPoint e = result.finalEval();
        if (e != null) stdout.printf(Locale.ROOT, "val_bpb=%.4f%n", e.valBpb());
        stdout.flush();
        return ExitCodes.OK;
    }

    /** "small" when the core has it, else the first preset it lists. */
    static String defaultPreset() {
        List<String> names = Presets.names();
        if (names.contains(DEFAULT_PRESET)) return DEFAULT_PRESET;
        if (names.isEmpty()) throw new IllegalStateException("the core defines no presets");
        return names.getFirst();
    }
}
