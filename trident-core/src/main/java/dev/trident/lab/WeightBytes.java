package dev.trident.lab;

import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.WeightFormat;

/**
 * Bytes of weights a decode step reads per generated token when the model's matrices are stored in a format:
 * main is the main model (every matrix a token passes through, the K chosen routed experts of N_r on average, the
 * output head; one embedding row when untied), mtpModules the D MTP modules with the shared head they read again
 * (a draft round runs each once). Vectors (norm gains, router biases) and the router matrices stay fp32, as do
 * matrices whose rows the format cannot hold (a Q8_0 row must be a multiple of 32 wide); fp32Matrices counts the
 * weights kept in fp32 that way; stored is the bytes of every weight, as held in memory.
 */
public record WeightBytes(WeightFormat format, double main, double mtpModules, long fp32Matrices, double stored) {

    public static WeightBytes of(Transformer model, WeightFormat format) {
        ModelConfig c = model.config;
        double main = 0, mtp = 0, all = 0;
        long keptFp32 = 0;
        double routedFraction = c.moe() == null ? 1 : (double) c.moe().activeExperts() / c.moe().routedExperts();
        for (Parameter p : model.params.all()) {
            var t = p.tensor();
            boolean matrix = t.rank() == 2;
            boolean stored = matrix && storesAs(p.name(), t.dim(1), format);
            if (matrix && !stored && format != WeightFormat.F32) keptFp32 += t.size();
            double bytes = stored ? t.dim(0) * (double) format.rowBytes(t.dim(1)) + format.scaleBytes(t.dim(0), t.dim(1))
                    : 4.0 * t.size();
            all += bytes;
            String name = p.name();
            if (name.equals("model.embed_tokens.weight")) {
                // Tied: it is also the output head, read whole for every token (by the main model and each module).
                double read = c.tiedEmbeddings() ? bytes : bytes / t.dim(0);
                main += read;
                mtp += c.mtpDepth() * read;
                continue;
            }
            if (name.equals("lm_head.weight")) {
                main += bytes;
                mtp += c.mtpDepth() * bytes;
                continue;
            }
            double fraction = name.contains(".mlp.experts.") ? routedFraction : 1;
            if (mtpLayer(name, c.layers())) mtp += fraction * bytes;
            else main += fraction * bytes;
        }
        return new WeightBytes(format, main, mtp, keptFp32, all);
    }

    /** Whether a matrix of this name and row width is stored in the format (else it stays fp32). */
    static boolean storesAs(String name, int cols, WeightFormat format) {
        if (format == WeightFormat.F32) return true;
        if (name.endsWith(".mlp.gate.weight")) return false; // the router: tiny, and its choices are precision-critical
        return format == WeightFormat.FP8_BLOCK || cols % format.blockSize() == 0;
    }

    private static boolean mtpLayer(String name, int layers) {
        if (!name.startsWith("model.layers.")) return false;
        int end = name.indexOf('.', "model.layers.".length());
        return Integer.parseInt(name.substring("model.layers.".length(), end)) >= layers;
    }
}
