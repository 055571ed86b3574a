package dev.trident.cli;

import dev.trident.infer.LoadedModel;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.QuantPolicy;
import dev.trident.io.gguf.GgufFile;
import dev.trident.model.Model;
import dev.trident.quant.WeightFormat;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** --weights and --head-format: run a model with its weights quantized in memory. Shared by generate, eval and bench. */
final class WeightsOption {
    static final String FORMATS = "f32, f16, bf16, q8_0, q6_k, q5_k, q4_0, q4_k, fp8";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--weights", paramLabel = "FORMAT",
            description = "Quantize the weight matrices in memory to FORMAT before running: " + FORMATS
                    + " (default: f32, the model's own weights). Norms and the MoE router stay f32.")
    String weights;

    @Option(names = "--head-format", paramLabel = "FORMAT",
            description = "Format of the output head and token embedding when quantizing (default: q8_0 for the 4-bit "
                    + "formats, bf16 for fp8, else the --weights format).")
    String headFormat;

    /** The format --weights names (F32 when absent); a bad name is a usage error. */
    WeightFormat format() {
        return weights == null ? WeightFormat.F32 : parse("--weights", weights);
    }

    /** The policy for format f, with --head-format applied. */
    QuantPolicy policy(WeightFormat f) {
        QuantPolicy p = QuantPolicy.of(f);
        return headFormat == null || f.equals(WeightFormat.F32) ? p : p.withEmbeddingAndHead(parse("--head-format", headFormat));
    }

    WeightFormat parse(String option, String name) {
        try {
            return QuantPolicy.parseFormat(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": unknown format '" + name + "'; known: " + FORMATS);
        }
    }

    /**
     * The model as it will run: quantized in memory when --weights or --head-format asks, else as loaded (a GGUF file
     * in the kernels' formats mapped in place, see {@link LoadedModel#open}); a line on err says which.
     */
    LoadedModel open(Path path, PrintWriter err) {
        if (weights == null && headFormat == null) {
            LoadedModel m = LoadedModel.open(path);
            err.printf(Locale.ROOT, "weights: %s%n", m.describe());
            err.flush();
            return m;
        }
        if (GgufFile.isGguf(path)) {
            // converted matrix by matrix from the mapped file: never the whole model in fp32
            try (LoadedModel mapped = LoadedModel.open(path)) {
                long t0 = System.nanoTime();
                QuantPolicy p = policy(format());
                ModelWeights w = mapped.weights().requantized(p);
                report(w, p, t0, err);
                return LoadedModel.of(w, mapped.tokenizer());
            }
        }
        Model full = Model.load(path);
        return LoadedModel.of(load(full, err), full.tokenizer());
    }

    /** The model's weights in the --weights format, with a line on err saying what was done and how long it took. */
    ModelWeights load(Model m, PrintWriter err) {
        return load(m, format(), err);
    }

    ModelWeights load(Model m, WeightFormat f, PrintWriter err) {
        if (f.equals(WeightFormat.F32) && headFormat == null) return ModelWeights.of(m.transformer());
        long t0 = System.nanoTime();
        QuantPolicy p = policy(f);
        ModelWeights w = ModelWeights.quantize(m.transformer(), p);
        report(w, p, t0, err);
        return w;
    }

    private static void report(ModelWeights w, QuantPolicy p, long t0, PrintWriter err) {
        err.printf(Locale.ROOT, "weights: %s, %.1f MB (%.2f bits per weight), quantized in %.1f s%n", p.label(), w.byteSize() / 1e6,
                bitsPerWeight(w), (System.nanoTime() - t0) / 1e9);
        err.flush();
    }

    /** Average bits per weight over the matrices (fallbacks and the head included). */
    static double bitsPerWeight(ModelWeights w) {
        long n = 0;
        for (long c : w.weightsByFormat().values()) n += c;
        return 8.0 * w.byteSize() / Math.max(1, n);
    }
}
