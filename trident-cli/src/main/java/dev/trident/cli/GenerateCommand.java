package dev.trident.cli;

import dev.trident.infer.GenerationResult;
import dev.trident.infer.LoadedModel;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.Generator;
import dev.trident.infer.SpeculationStats;
import dev.trident.infer.SpeculativeGenerator;
import dev.trident.infer.SamplingOptions;
import dev.trident.model.Model;
import dev.trident.model.ModelConfig;
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
    @Mixin WeightsOption weightsOption;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "A model folder (from `trident train` or `trident convert`) or a .gguf file.")
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

    @Option(names = "--speculative",
            description = "Decode with the model's MTP modules as drafters (self-speculative decoding); prints acceptance and tokens per forward.")
    boolean speculative;

    @Option(names = "--draft-depth", paramLabel = "D",
            description = "With --speculative: drafts per step, 1..the model's MTP depth (default: all of them).")
    Integer draftDepth;

    @Option(names = "--compare",
            description = "With --speculative: also decode the same request without speculation and print the speed-up.")
    boolean compare;

    @Override
    public Integer call() {
        threads.apply();
        Checks.positive(spec, "--max-tokens", maxTokens);
        Checks.positive(spec, "--draft-depth", draftDepth);
        if ((draftDepth != null || compare) && !speculative)
            throw new ParameterException(spec.commandLine(), "--draft-depth and --compare need --speculative");
        Checks.nonNegative(spec, "--temperature", temperature);
        Checks.nonNegative(spec, "--top-k", topK);
        if (!(topP > 0 && topP <= 1)) {
            throw new ParameterException(spec.commandLine(), "--top-p must be in (0, 1], got " + topP);
        }
        Checks.model(model);
        SamplingOptions sampling = new SamplingOptions(maxTokens, temperature, topK, topP, seed, !ignoreEos);
        weightsOption.format(); // a bad --weights is a usage error before the model loads
        if (dev.trident.blt.BltFiles.isBltModel(model)) {
            if (speculative) throw new ParameterException(spec.commandLine(), "--speculative needs a model with MTP modules; BLT models generate byte by byte");
            return BltRun.generate(model, prompt, sampling, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (LoadedModel m = weightsOption.open(model, err)) {
            ModelWeights w = m.weights();
            var c = m.config();
            err.printf(Locale.ROOT, "model: %s parameters, %s active per token; reads %.2f MB of weights per token (%s)%s%n",
                    Format.count(c.parameterCount()), Format.count(c.activeParameterCount()), w.bytesPerToken() / 1e6, w.policy().label(),
                    c.moe() != null ? String.format(Locale.ROOT, " (%d of %d routed experts per MoE layer)", c.moe().activeExperts(), c.moe().routedExperts()) : "");
            err.flush();
            if (!speculative) {
                stream(new Generator(m).generate(prompt, sampling, printer(out)), out, err);
                printCacheSize(c, err);
                return ExitCodes.OK;
            }
            int depth = draftDepth != null ? draftDepth : c.mtpDepth();
            if (compare) { // warm the JIT on both paths first, so the timed runs compare steady states
                new Generator(m).generate(prompt, sampling, null);
                new SpeculativeGenerator(m, depth).generate(prompt, sampling, null);
            }
            GenerationResult r = speculative(m, prompt, sampling, depth, out, err);
            if (compare) {
                GenerationResult plain = new Generator(m).generate(prompt, sampling, null);
                err.printf(Locale.ROOT, "plain_tok_s=%.1f speculative_tok_s=%.1f speedup=%.2f%n", plain.decodeTokensPerSecond(),
                        r.decodeTokensPerSecond(), r.decodeTokensPerSecond() / Math.max(1e-9, plain.decodeTokensPerSecond()));
                err.flush();
            }
            printCacheSize(c, err);
            return ExitCodes.OK;
        }
    }

    /** The KV cache per token of context (fp32, main layers): K and V for GQA, c_kv and k_pe for MLA. */
    private static void printCacheSize(ModelConfig c, PrintWriter err) {
        err.printf(Locale.ROOT, "attention=%s kv_cache_bytes_per_token=%d%n", c.mla() == null ? "gqa" : "mla",
                c.kvCacheBytesPerToken());
        err.flush();
    }

    /** Streams a speculative generation, then its figures and the acceptance line scripts read; shared with demo. */
    static GenerationResult speculative(Model m, String prompt, SamplingOptions sampling, int depth, PrintWriter out, PrintWriter err) {
        return speculative(LoadedModel.of(m), prompt, sampling, depth, out, err);
    }

    static GenerationResult speculative(LoadedModel m, String prompt, SamplingOptions sampling, int depth, PrintWriter out, PrintWriter err) {
        GenerationResult r = stream(new SpeculativeGenerator(m, depth).generate(prompt, sampling, printer(out)), out, err);
        SpeculationStats st = r.speculation();
        StringBuilder perDepth = new StringBuilder();
        for (int j = 0; j < depth; j++) perDepth.append(String.format(Locale.ROOT, " acceptance_d%d=%.3f", j + 1, st.acceptance(j)));
        err.printf(Locale.ROOT, "speculative depth=%d acceptance=%.3f tokens_per_forward=%.2f%s tok_s=%.1f%n",
                depth, st.acceptance(), st.tokensPerForward(), perDepth, r.decodeTokensPerSecond());
        err.flush();
        return r;
    }

    private static java.util.function.Consumer<String> printer(PrintWriter out) {
        return piece -> {
            out.print(piece);
            out.flush(); // a person is watching the words appear
        };
    }

    private static GenerationResult stream(GenerationResult r, PrintWriter out, PrintWriter err) {
        out.println();
        out.flush();
        err.printf(Locale.ROOT, "%d prompt tokens (prefill %s), %d generated in %s (%.1f tokens/s), stop: %s%n",
                r.promptTokens(), Format.duration(r.prefillSeconds()), r.tokens().length,
                Format.duration(r.decodeSeconds()), r.decodeTokensPerSecond(), r.stopReason());
        err.flush();
        return r;
    }

    /** Streams a generation to out, piece by piece, then its figures to err; shared with `trident demo`. */
    static GenerationResult generate(Model model, String prompt, SamplingOptions sampling,
                                     PrintWriter out, PrintWriter err) {
        return stream(new Generator(model).generate(prompt, sampling, printer(out)), out, err);
    }
}
