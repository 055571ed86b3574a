package dev.trident.io.hf;

import java.util.Map;

/**
 * Logits of a Hugging Face checkpoint computed straight from its tensors, in double, the way transformers'
 * modeling_llama / modeling_qwen3_moe and DeepSeek-V3's inference/model.py compute them, sharing no code with
 * Trident's layers: the reference Trident's loaded models are held to.
 *
 * <p>Llama and Qwen3-MoE rotate (x[i], x[i + d/2]) (rotate_half); DeepSeek-V3 rotates adjacent pairs of q_pe and
 * k_pe (view_as_complex). Weights are row-major [out, in], looked up by their Hugging Face names.
 */
final class HfReference {
    enum Kind { LLAMA, QWEN3_MOE, DEEPSEEK_V3 }

    /** Every size the three layouts need (unused ones 0); scaling null for plain RoPE. */
    record Cfg(Kind kind, int vocab, int dim, int layers, int heads, int kvHeads, int headDim, int hidden, double theta,
               double eps, boolean tied,
               int experts, int topK, int moeHidden, int shared, boolean normTopK, double routedScale, int groups,
               int topkGroups, int denseLayers,
               int qLora, int kvLora, int nope, int rope, int vDim, Scaling scaling) {
        Cfg withScaling(Scaling s) {
            return new Cfg(kind, vocab, dim, layers, heads, kvHeads, headDim, hidden, theta, eps, tied, experts, topK, moeHidden,
                    shared, normTopK, routedScale, groups, topkGroups, denseLayers, qLora, kvLora, nope, rope, vDim, s);
        }
    }

    /** config.json's rope_scaling: type "llama3" or "yarn" and its numbers. */
    record Scaling(String type, double factor, int original, double lowFreqFactor, double highFreqFactor, double betaFast,
                   double betaSlow, double mscale, double mscaleAllDim) {}

    /**
     * inv_freq[i] for a d-wide rotation, as transformers' _compute_llama3_parameters / _compute_yarn_parameters do,
     * and the attention factor cos and sin are multiplied by.
     */
    private double frequency(int i, int d) {
        double f = Math.pow(c.theta, -2.0 * i / d);
        Scaling s = c.scaling;
        if (s == null) return f;
        if (s.type.equals("llama3")) {
            double wavelen = 2 * Math.PI / f, lowWavelen = s.original / s.lowFreqFactor, highWavelen = s.original / s.highFreqFactor;
            if (wavelen < highWavelen) return f;
            if (wavelen > lowWavelen) return f / s.factor;
            double smooth = (s.original / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
            return (1 - smooth) * f / s.factor + smooth * f;
        }
        double low = Math.max(Math.floor(d * Math.log(s.original / (s.betaFast * 2 * Math.PI)) / (2 * Math.log(c.theta))), 0);
        double high = Math.min(Math.ceil(d * Math.log(s.original / (s.betaSlow * 2 * Math.PI)) / (2 * Math.log(c.theta))), d - 1);
        double extrapolation = 1 - Math.min(Math.max((i - low) / (high - low), 0), 1);
        return f / s.factor * (1 - extrapolation) + f * extrapolation;
    }

    private double attentionFactor() {
        Scaling s = c.scaling;
        if (s == null || !s.type.equals("yarn")) return 1;
        return s.mscale > 0 && s.mscaleAllDim > 0 ? mscale(s.factor, s.mscale) / mscale(s.factor, s.mscaleAllDim) : mscale(s.factor, 1);
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
    }

    private final Map<String, float[]> w;
    private final Cfg c;

    HfReference(Map<String, float[]> weights, Cfg cfg) {
        this.w = weights;
        this.c = cfg;
    }

    private float[] w(String name) {
        float[] v = w.get(name);
        if (v == null) throw new IllegalArgumentException("no tensor " + name);
        return v;
    }

    /** Final hidden states h[T][dim] before the final norm, for tokens at positions 0..T-1. */
    double[][] residual(int[] tokens) {
        double[][] x = embed(tokens);
        for (int l = 0; l < c.layers; l++) x = block("model.layers." + l + ".", l, x);
        return x;
    }

    double[][] logits(int[] tokens) {
        return head(rmsNorm(residual(tokens), w("model.norm.weight")));
    }

    private double[][] embed(int[] tokens) {
        float[] e = w("model.embed_tokens.weight");
        double[][] x = new double[tokens.length][c.dim];
        for (int t = 0; t < tokens.length; t++) for (int j = 0; j < c.dim; j++) x[t][j] = e[tokens[t] * c.dim + j];
        return x;
    }

    private double[][] head(double[][] h) {
        return linear(h, w(c.tied ? "model.embed_tokens.weight" : "lm_head.weight"), c.vocab);
    }

    /**
     * DeepSeek-V3 MTP layer L (depth 1): h' = eh_proj [enorm(emb(t_{i+1})) ; hnorm(h_i)], then the layer's block, then
     * shared_head.norm and the head. Position i of the result predicts token i + 2.
     */
    double[][] mtpLogits(int[] tokens, double[][] mainResidual) {
        String p = "model.layers." + c.layers + ".";
        int n = tokens.length - 1;
        int[] next = java.util.Arrays.copyOfRange(tokens, 1, tokens.length);
        double[][] e = rmsNorm(embed(next), w(p + "enorm.weight"));
        double[][] h = rmsNorm(java.util.Arrays.copyOf(mainResidual, n), w(p + "hnorm.weight"));
        double[][] cat = new double[n][2 * c.dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(e[i], 0, cat[i], 0, c.dim);
            System.arraycopy(h[i], 0, cat[i], c.dim, c.dim);
        }
        double[][] x = block(p, c.layers, linear(cat, w(p + "eh_proj.weight"), c.dim));
        return head(rmsNorm(x, w(p + "shared_head.norm.weight")));
    }

    private double[][] block(String p, int layer, double[][] x) {
        double[][] a = c.kind == Kind.DEEPSEEK_V3 ? mla(p, rmsNorm(x, w(p + "input_layernorm.weight")))
                : gqa(p, rmsNorm(x, w(p + "input_layernorm.weight")));
        x = add(x, a);
        double[][] xn = rmsNorm(x, w(p + "post_attention_layernorm.weight"));
        boolean moe = c.experts > 0 && layer >= c.denseLayers;
        return add(x, moe ? moe(p + "mlp.", xn) : mlp(p + "mlp.", xn, c.hidden));
    }

    /** transformers' LlamaAttention / Qwen3MoeAttention (q_norm, k_norm per head before RoPE when present). */
    private double[][] gqa(String p, double[][] x) {
        int T = x.length, H = c.heads, G = c.kvHeads, D = c.headDim;
        double[][] q = linear(x, w(p + "self_attn.q_proj.weight"), H * D);
        double[][] k = linear(x, w(p + "self_attn.k_proj.weight"), G * D);
        double[][] v = linear(x, w(p + "self_attn.v_proj.weight"), G * D);
        if (w.containsKey(p + "self_attn.q_norm.weight")) {
            headNorm(q, H, D, w(p + "self_attn.q_norm.weight"));
            headNorm(k, G, D, w(p + "self_attn.k_norm.weight"));
        }
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) rotateHalf(q[t], h * D, D, t);
            for (int h = 0; h < G; h++) rotateHalf(k[t], h * D, D, t);
        }
        double[][] out = new double[T][H * D];
        for (int h = 0; h < H; h++) {
            int g = h / (H / G);
            attend(q, h * D, k, g * D, v, g * D, D, D, out, h * D, 1 / Math.sqrt(D));
        }
        return linear(out, w(p + "self_attn.o_proj.weight"), c.dim);
    }

    /** DeepSeek-V3's MLA, its "naive" path: keys and values materialized per head. */
    private double[][] mla(String p, double[][] x) {
        int T = x.length, H = c.heads, qk = c.nope + c.rope;
        double[][] q = c.qLora > 0
                ? linear(rmsNorm(linear(x, w(p + "self_attn.q_a_proj.weight"), c.qLora), w(p + "self_attn.q_a_layernorm.weight")),
                w(p + "self_attn.q_b_proj.weight"), H * qk)
                : linear(x, w(p + "self_attn.q_proj.weight"), H * qk);
        double[][] kv = linear(x, w(p + "self_attn.kv_a_proj_with_mqa.weight"), c.kvLora + c.rope);
        double[][] latent = new double[T][c.kvLora], kPe = new double[T][c.rope];
        for (int t = 0; t < T; t++) {
            System.arraycopy(kv[t], 0, latent[t], 0, c.kvLora);
            System.arraycopy(kv[t], c.kvLora, kPe[t], 0, c.rope);
            rotateAdjacent(kPe[t], 0, c.rope, t);
            for (int h = 0; h < H; h++) rotateAdjacent(q[t], h * qk + c.nope, c.rope, t);
        }
        double[][] kvb = linear(rmsNorm(latent, w(p + "self_attn.kv_a_layernorm.weight")), w(p + "self_attn.kv_b_proj.weight"), H * (c.nope + c.vDim));
        double[][] keys = new double[T][H * qk], values = new double[T][H * c.vDim];
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                System.arraycopy(kvb[t], h * (c.nope + c.vDim), keys[t], h * qk, c.nope);
                System.arraycopy(kPe[t], 0, keys[t], h * qk + c.nope, c.rope);
                System.arraycopy(kvb[t], h * (c.nope + c.vDim) + c.nope, values[t], h * c.vDim, c.vDim);
            }
        double[][] out = new double[T][H * c.vDim];
        // DeepseekV3Attention: softmax scale qk^-1/2, times mscale(factor, mscale_all_dim)^2 under YaRN
        double scale = 1 / Math.sqrt(qk);
        if (c.scaling != null && c.scaling.mscaleAllDim > 0) scale *= Math.pow(mscale(c.scaling.factor, c.scaling.mscaleAllDim), 2);
        for (int h = 0; h < H; h++) attend(q, h * qk, keys, h * qk, values, h * c.vDim, qk, c.vDim, out, h * c.vDim, scale);
        return linear(out, w(p + "self_attn.o_proj.weight"), c.dim);
    }

    /** Causal softmax attention of one head: out[t] = sum_s<=t softmax(q_t . k_s * scale) v_s. */
    private static void attend(double[][] q, int qo, double[][] k, int ko, double[][] v, int vo, int dk, int dv,
                               double[][] out, int oo, double scale) {
        for (int t = 0; t < q.length; t++) {
            double[] s = new double[t + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u <= t; u++) {
                double dot = 0;
                for (int j = 0; j < dk; j++) dot += q[t][qo + j] * k[u][ko + j];
                s[u] = dot * scale;
                max = Math.max(max, s[u]);
            }
            double sum = 0;
            for (int u = 0; u <= t; u++) sum += s[u] = Math.exp(s[u] - max);
            for (int u = 0; u <= t; u++) for (int j = 0; j < dv; j++) out[t][oo + j] += s[u] / sum * v[u][vo + j];
        }
    }

    /** HF: x * cos(emb) + rotate_half(x) * sin(emb), emb = [freqs ; freqs], rotate_half(x) = [-x2 ; x1]. */
    private void rotateHalf(double[] x, int off, int d, int pos) {
        double[] y = new double[d];
        double m = attentionFactor();
        for (int j = 0; j < d; j++) {
            double angle = pos * frequency(j % (d / 2), d);
            double rot = j < d / 2 ? -x[off + j + d / 2] : x[off + j - d / 2];
            y[j] = x[off + j] * Math.cos(angle) * m + rot * Math.sin(angle) * m;
        }
        System.arraycopy(y, 0, x, off, d);
    }

    /** DeepSeek: (x[2i] + i x[2i+1]) * e^{i pos theta^(-2i/d)}. */
    private void rotateAdjacent(double[] x, int off, int d, int pos) {
        double m = attentionFactor();
        for (int i = 0; i < d / 2; i++) {
            double angle = pos * frequency(i, d);
            double a = x[off + 2 * i], b = x[off + 2 * i + 1];
            x[off + 2 * i] = m * (a * Math.cos(angle) - b * Math.sin(angle));
            x[off + 2 * i + 1] = m * (a * Math.sin(angle) + b * Math.cos(angle));
        }
    }

    private double[][] mlp(String p, double[][] x, int hidden) {
        double[][] g = linear(x, w(p + "gate_proj.weight"), hidden), u = linear(x, w(p + "up_proj.weight"), hidden);
        for (int t = 0; t < x.length; t++) for (int j = 0; j < hidden; j++) g[t][j] = g[t][j] / (1 + Math.exp(-g[t][j])) * u[t][j];
        return linear(g, w(p + "down_proj.weight"), c.dim);
    }

    /**
     * Qwen3-MoE: softmax over all experts, top-k, optionally renormalized. DeepSeek-V3: sigmoid scores, choice on
     * score + e_score_correction_bias inside the topk_group best groups (group score: sum of its top-2), weights the
     * chosen scores renormalized times routed_scaling_factor, plus the shared experts.
     */
    private double[][] moe(String p, double[][] x) {
        int E = c.experts;
        double[][] logits = linear(x, w(p + "gate.weight"), E);
        double[][] out = new double[x.length][c.dim];
        float[] bias = w.get(p + "gate.e_score_correction_bias");
        for (int t = 0; t < x.length; t++) {
            double[] s = new double[E];
            if (c.kind == Kind.DEEPSEEK_V3) {
                for (int e = 0; e < E; e++) s[e] = 1 / (1 + Math.exp(-logits[t][e]));
            } else {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int e = 0; e < E; e++) max = Math.max(max, logits[t][e]);
                for (int e = 0; e < E; e++) sum += s[e] = Math.exp(logits[t][e] - max);
                for (int e = 0; e < E; e++) s[e] /= sum;
            }
            double[] choice = new double[E];
            for (int e = 0; e < E; e++) choice[e] = s[e] + (bias == null ? 0 : bias[e]);
            if (c.groups > 1) {
                int size = E / c.groups;
                double[] gs = new double[c.groups];
                for (int g = 0; g < c.groups; g++) {
                    double[] member = java.util.Arrays.copyOfRange(choice, g * size, (g + 1) * size);
                    java.util.Arrays.sort(member);
                    gs[g] = member[size - 1] + member[size - 2];
                }
                boolean[] keep = new boolean[c.groups];
                for (int k = 0; k < c.topkGroups; k++) {
                    int best = -1;
                    for (int g = 0; g < c.groups; g++) if (!keep[g] && (best < 0 || gs[g] > gs[best])) best = g;
                    keep[best] = true;
                }
                for (int e = 0; e < E; e++) if (!keep[e / size]) choice[e] = Double.NEGATIVE_INFINITY;
            }
            int[] top = new int[c.topK];
            boolean[] taken = new boolean[E];
            double total = 0;
            for (int k = 0; k < c.topK; k++) {
                int best = -1;
                for (int e = 0; e < E; e++) if (!taken[e] && (best < 0 || choice[e] > choice[best])) best = e;
                taken[best] = true;
                top[k] = best;
                total += s[best];
            }
            double[][] row = {x[t]};
            for (int k = 0; k < c.topK; k++) {
                double g = s[top[k]] / (c.normTopK ? total : 1) * c.routedScale;
                double[] y = mlp(p + "experts." + top[k] + ".", row, c.moeHidden)[0];
                for (int j = 0; j < c.dim; j++) out[t][j] += g * y[j];
            }
            if (c.shared > 0) {
                double[] y = mlp(p + "shared_experts.", row, c.shared * c.moeHidden)[0];
                for (int j = 0; j < c.dim; j++) out[t][j] += y[j];
            }
        }
        return out;
    }

    private void headNorm(double[][] x, int heads, int d, float[] g) {
        for (double[] row : x)
            for (int h = 0; h < heads; h++) {
                double ss = 0;
                for (int j = 0; j < d; j++) ss += row[h * d + j] * row[h * d + j];
                double inv = 1 / Math.sqrt(ss / d + c.eps);
                for (int j = 0; j < d; j++) row[h * d + j] *= inv * g[j];
            }
    }

    private double[][] rmsNorm(double[][] x, float[] g) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int d = x[t].length;
            double ss = 0;
            for (double v : x[t]) ss += v * v;
            double inv = 1 / Math.sqrt(ss / d + c.eps);
            y[t] = new double[d];
            for (int j = 0; j < d; j++) y[t][j] = x[t][j] * inv * g[j];
        }
        return y;
    }

    /** y = x W^T for W [out, in]. */
    private static double[][] linear(double[][] x, float[] W, int out) {
        int in = x[0].length;
        if (W.length != out * in) throw new IllegalArgumentException("weight of " + W.length + " for " + out + " x " + in);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += x[t][i] * W[o * in + i];
                y[t][o] = s;
            }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            y[t] = a[t].clone();
            for (int j = 0; j < y[t].length; j++) y[t][j] += b[t][j];
        }
        return y;
    }
}
