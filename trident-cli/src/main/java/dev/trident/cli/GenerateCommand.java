package dev.trident.cli;

import dev.trident.infer.GenerationResult;
import dev.trident.infer.Generator;
import dev.trident.infer.SamplingOptions;
import dev.trident.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident generate: stream a continuation of a prompt to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a trained model.",
                "The generated text streams to stdout (without the prompt); speed figures go to stderr."})
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model directory from `trident train`.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "200",
            description = "Generate at most N tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1337",
            description = "Sampling seed; the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "Sampling temperature; 0 picks the likeliest token every time (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample among the K likeliest tokens only; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Sample among the likeliest tokens whose probabilities add up to P; 1 = no limit "
                    + "(default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--ignore-eos", description = "Keep going past the end-of-text token until --max-tokens.")
    boolean ignoreEos;

    @Override
    public Integer call() {
        threads.apply();
        Checks.positive(spec, "--max-tokens", maxTokens);
        Checks.nonNegative(spec, "--temperature", temperature);
        Checks.nonNegative(spec, "--top-k", topK);
        if (!(topP > 0 && topP <= 1)) {
            throw new ParameterException(spec.commandLine(), "--top-p must be in (0, 1], got " + topP);
        }
        Checks.modelDir(model);
        SamplingOptions sampling = new SamplingOptions(maxTokens, temperature, topK, topP, seed, !ignoreEos);
        generate(Model.load(model), prompt, sampling, spec.commandLine().getOut(), spec.commandLine().getErr());
        return ExitCodes.OK;
    }

    /** Streams a generation to out, piece by piece, then its figures to err; shared with `trident demo`. */
    static GenerationResult generate(Model model, String prompt, SamplingOptions sampling,
                                     PrintWriter out, PrintWriter err) {
        GenerationResult r = new Generator(model).generate(prompt, sampling, piece -> {
            out.print(piece);
            out.flush(); // a person is watching the words appear
        });
        out.println();
        out.flush();
        err.printf(Locale.ROOT, "%d prompt tokens (prefill %s), %d generated in %s (%.1f tokens/s), stop: %s%n",
                r.promptTokens(), Format.duration(r.prefillSeconds()), r.tokens().length,
                Format.duration(r.decodeSeconds()), r.decodeTokensPerSecond(), r.stopReason());
        err.flush();
        return r;
    }
}
