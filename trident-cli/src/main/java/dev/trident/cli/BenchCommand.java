package dev.trident.cli;

import dev.trident.infer.LoadedModel;
import dev.trident.infer.ModelWeights;
import dev.trident.model.ModelConfig;
import dev.trident.infer.SpeedBenchmark;
import dev.trident.kernels.ReadBandwidth;
import dev.trident.kernels.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** trident bench: prefill and decode speed of a model, against the machine's measured memory bandwidth. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill and decode speed of a model (llama-bench style: a pseudo-random prompt, then "
                + "greedy decoding continuing it), the bytes of weights read per decoded token, the GB/s that makes, "
                + "and its fraction of the machine's memory read bandwidth measured in the same run.",
                "The last line reads prefill_tok_s=<x> decode_tok_s=<y>."})
final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;
    @Mixin WeightsOption weights;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model folder (from `trident train` or `trident convert`) or a .gguf file.")
    Path model;

    @Option(names = "--prompt", paramLabel = "N", defaultValue = "512",
            description = "Prompt tokens (default: ${DEFAULT-VALUE}; capped to fit the model's context with --gen).")
    int prompt;

    @Option(names = "--gen", paramLabel = "N", defaultValue = "128",
            description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "3",
            description = "Timed runs after one warm-up; figures are medians (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--batch", paramLabel = "B,...", split = ",",
            description = "Also measure aggregate decode tokens/s with B sequences decoding together (continuous "
                    + "batching, one pass over the weights per step), e.g. 1,2,4,8; each sequence has its own prompt of "
                    + "--prompt tokens (default: no batched run).")
    int[] batch;

    @Option(names = "--stream-mb", paramLabel = "MB", defaultValue = "512",
            description = "Size of the array the read-bandwidth measurement sums (default: ${DEFAULT-VALUE}; keep it well above the L3 cache).")
    int streamMb;

    @Override
    public Integer call() {
        threads.apply();
        Checks.positive(spec, "--prompt", prompt);
        Checks.positive(spec, "--gen", gen);
        Checks.positive(spec, "--reps", reps);
        Checks.positive(spec, "--stream-mb", streamMb);
        if (batch != null) for (int b : batch) Checks.positive(spec, "--batch", b);
        weights.format();
        Checks.model(model);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (LoadedModel m = weights.open(model, err)) {
            return run(m.config(), m.weights(), out, err);
        }
    }

    private int run(ModelConfig c, ModelWeights w, PrintWriter out, PrintWriter err) {
        int ctx = c.maxSeqLen();
        int g = Math.min(gen, ctx - 2), p = Math.min(prompt, ctx - g);
        if (p != prompt || g != gen) {
            err.printf(Locale.ROOT, "bench: the model's context is %d tokens: prompt %d, gen %d%n", ctx, p, g);
            err.flush();
        }
        int threadCount = WorkerPool.global().threads();
        double bandwidth;
        try (ReadBandwidth stream = new ReadBandwidth((long) streamMb << 20)) {
            bandwidth = stream.medianGbPerSecond(7);
        }
        err.printf(Locale.ROOT, "bench: %d threads, prompt %d, gen %d, %d timed runs...%n", threadCount, p, g, reps);
        err.flush();
        SpeedBenchmark.Result r = SpeedBenchmark.run(w, p, g, reps, 1);
        double weightBytes = w.bytesPerToken();
        double kvBytes = (double) c.kvCacheBytesPerToken() * (p + g / 2.0); // fp32 cache rows read per step, on average
        double gbs = (weightBytes + kvBytes) * r.decodeTokS() / 1e9;
        out.printf(Locale.ROOT, "model: %s, %s parameters (%s active per token), weights %s, %d threads%n", model,
                Format.count(c.parameterCount()), Format.count(c.activeParameterCount()), w.policy().label(), threadCount);
        out.printf(Locale.ROOT, "memory read bandwidth (STREAM-style sum over %d MB): %.2f GB/s%n", streamMb, bandwidth);
        out.printf(Locale.ROOT, "prefill: %d tokens, %.1f tokens/s (median of %d)%n", r.promptTokens(), r.prefillTokS(), reps);
        out.printf(Locale.ROOT, "decode: %d tokens, %.1f tokens/s (median of %d)%n", r.generated(), r.decodeTokS(), reps);
        out.printf(Locale.ROOT, "bytes read per decoded token: %.2f MB of weights + %.2f MB of KV cache (mean context)%n",
                weightBytes / 1e6, kvBytes / 1e6);
        out.printf(Locale.ROOT, "achieved: %.2f GB/s = %.1f%% of the measured read bandwidth%n", gbs, 100 * gbs / bandwidth);
        out.printf(Locale.ROOT, "allocated per decoded token (calling thread): %.0f bytes%n", r.allocPerToken());
        if (batch != null) batched(w, p, g, out, err);
        out.printf(Locale.ROOT, "prefill_tok_s=%.2f decode_tok_s=%.2f%n", r.prefillTokS(), r.decodeTokS());
        out.flush();
        return ExitCodes.OK;
    }

    /** The --batch table: aggregate decode tokens/s per batch size (one sequence always among them), and its ratio to one. */
    private void batched(ModelWeights w, int p, int g, PrintWriter out, PrintWriter err) {
        int[] sizes = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(1), java.util.Arrays.stream(batch)).distinct().sorted().toArray();
        err.printf(Locale.ROOT, "bench: batched decode of %s sequences, each with its own %d-token prompt...%n", java.util.Arrays.toString(sizes), p);
        err.flush();
        double[] speed = SpeedBenchmark.batchedDecode(w, p, g, sizes, reps, 1);
        out.printf(Locale.ROOT, "batched decode (medians of %d; tokens/s over all sequences, one pass over the weights per step):%n", reps);
        out.printf(Locale.ROOT, "  %-6s %14s %14s %10s%n", "batch", "tokens/s", "per sequence", "vs 1");
        for (int i = 0; i < sizes.length; i++)
            out.printf(Locale.ROOT, "  %-6d %14.1f %14.1f %9.2fx%n", sizes[i], speed[i], speed[i] / sizes[i], speed[i] / speed[0]);
    }
}
