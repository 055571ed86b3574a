package dev.trident.lab;

import dev.trident.infer.QuantPolicy;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Parameters.Parameter;
import dev.trident.quant.WeightFormat;

/**
 * Bytes of weights a decode step reads per generated token when the model's matrices are stored in a format:
 * main is the main model (every matrix a token passes through, the K chosen routed experts of N_r on average, the
 * output head; one embedding row when untied), mtpModules the D MTP modules with the shared head they read again
 * (a draft round runs each once). Each matrix is stored as the runtime's {@link QuantPolicy} stores it
 * ({@link #formatOf}); vectors (norm gains, router biases) stay fp32. otherFormat counts the weights stored in
 * another format than the one asked for, as otherFormat (router, fallbacks, FP8-block's BF16 head). stored is the bytes of every
 * weight as held in memory.
 */
public record WeightBytes(WeightFormat format, double main, double mtpModules, long otherFormat, double stored) {

    public static WeightBytes of(Transformer model, WeightFormat format) {
        ModelConfig c = model.config;
        double main = 0, mtp = 0, all = 0;
        long other = 0;
        double routedFraction = c.moe() == null ? 1 : (double) c.moe().activeExperts() / c.moe().routedExperts();
        for (Parameter p : model.params.all()) {
            var t = p.tensor();
            boolean matrix = t.rank() == 2;
            WeightFormat f = matrix ? formatOf(p.name(), t.dim(1), format) : WeightFormat.F32;
            if (matrix && f != format) other += t.size();
            double bytes = matrix ? t.dim(0) * (double) f.rowBytes(t.dim(1)) + f.scaleBytes(t.dim(0), t.dim(1)) : 4.0 * t.size();
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
        return new WeightBytes(format, main, mtp, other, all);
    }

    /**
     * The format a matrix is stored in when serving in format, as the runtime's {@link QuantPolicy#of} decides: the
     * router stays fp32, the (tied) embedding and head take the policy's head format, a matrix whose rows the format
     * cannot hold falls back ({@link QuantPolicy#forMatrix}).
     */
    static WeightFormat formatOf(String name, int cols, WeightFormat format) {
        if (format == WeightFormat.F32 || name.endsWith(".mlp.gate.weight")) return WeightFormat.F32;
        QuantPolicy policy = QuantPolicy.of(format);
        if (name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight"))
            return QuantPolicy.forMatrix(policy.head(), cols);
        return QuantPolicy.forMatrix(policy.format(), cols);
    }

    private static boolean mtpLayer(String name, int layers) {
        if (!name.startsWith("model.layers.")) return false;
        int end = name.indexOf('.', "model.layers.".length());
        return Integer.parseInt(name.substring("model.layers.".length(), end)) >= layers;
    }
}
