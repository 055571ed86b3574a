package dev.trident.io.gguf;

import dev.trident.io.json.Json;
import dev.trident.tokenizer.ByteLevelAlphabet;
import dev.trident.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny random-weight model of llama.cpp's {@code llama} architecture with a GPT-2 byte-level BPE vocabulary:
 * written as F32 GGUF for llama.cpp, and evaluated here by a plain reference forward pass written from
 * llama.cpp's semantics (RMSNorm, RoPE on adjacent pairs, grouped-query attention, SwiGLU), so tests can hold
 * llama.cpp's log-probabilities to ours and confirm the tensor layout and metadata are understood.
 */
final class TinyLlama {
    static final int EMBD = 64;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = EMBD / HEADS;
    static final int FF = 96;
    static final int LAYERS = 2;
    static final int CONTEXT = 64;
    static final float EPS = 1e-5f;
    static final float ROPE_BASE = 10000f;

    /** Merges over GPT-2's byte alphabet ("Ġ" is the space byte); each product becomes a vocab token. */
    private static final String[][] MERGES = {
            {"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"i", "n"}, {"Ġ", "a"}, {"e", "r"}, {"o", "u"}, {"a", "n"},
            {"Ġ", "s"}, {"r", "e"}, {"o", "n"}, {"Ġ", "w"}, {"a", "t"}, {"e", "n"}, {"Ġa", "n"}, {"Ġan", "d"}};
    static final String EOS = "<|endoftext|>";

    final Tokenizer tokenizer;
    final int vocab;
    final float[] tokenEmbd;   // [vocab][EMBD]
    final float[][] attnNorm = new float[LAYERS][], wq = new float[LAYERS][], wk = new float[LAYERS][],
            wv = new float[LAYERS][], wo = new float[LAYERS][], ffnNorm = new float[LAYERS][],
            wGate = new float[LAYERS][], wUp = new float[LAYERS][], wDown = new float[LAYERS][];
    final float[] outputNorm;
    final float[] output;      // [vocab][EMBD]

    /** Builds the tokenizer (via a tokenizer.json in {@code dir}) and random weights. */
    TinyLlama(Path dir, long seed) {
        this.tokenizer = Tokenizer.load(writeTokenizerJson(dir.resolve("tokenizer.json")));
        this.vocab = tokenizer.vocabSize();
        Random rnd = new Random(seed);
        tokenEmbd = gaussian(rnd, vocab * EMBD, 1.0f);
        for (int l = 0; l < LAYERS; l++) {
            attnNorm[l] = around1(rnd, EMBD);
            wq[l] = gaussian(rnd, EMBD * EMBD, 0.25f);
            wk[l] = gaussian(rnd, KV_HEADS * HEAD_DIM * EMBD, 0.25f);
            wv[l] = gaussian(rnd, KV_HEADS * HEAD_DIM * EMBD, 0.25f);
            wo[l] = gaussian(rnd, EMBD * EMBD, 0.1f);
            ffnNorm[l] = around1(rnd, EMBD);
            wGate[l] = gaussian(rnd, FF * EMBD, 0.2f);
            wUp[l] = gaussian(rnd, FF * EMBD, 0.2f);
            wDown[l] = gaussian(rnd, EMBD * FF, 0.1f);
        }
        outputNorm = around1(rnd, EMBD);
        output = gaussian(rnd, vocab * EMBD, 0.3f);
    }

    /** The GGUF llama.cpp loads: the metadata keys its llama loader reads, typed as it insists. */
    void writeGguf(Path file) {
        List<String> tokens = new ArrayList<>();
        int[] types = new int[vocab];
        for (int id = 0; id < vocab; id++) {
            tokens.add(tokenizer.tokenText(id));
            types[id] = tokenizer.isSpecial(id) ? 3 : 1; // llama_token_type: 1 NORMAL, 3 CONTROL
        }
        List<String> merges = new ArrayList<>();
        for (int r = 0; r < tokenizer.mergeCount(); r++) {
            int[] pair = tokenizer.merge(r);
            merges.add(tokenizer.tokenText(pair[0]) + " " + tokenizer.tokenText(pair[1]));
        }
        int eos = tokenizer.eosId();
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "trident-tiny-llama")
                .putUInt32("llama.context_length", CONTEXT)
                .putUInt32("llama.embedding_length", EMBD)
                .putUInt32("llama.block_count", LAYERS)
                .putUInt32("llama.feed_forward_length", FF)
                .putUInt32("llama.attention.head_count", HEADS)
                .putUInt32("llama.attention.head_count_kv", KV_HEADS)
                .putUInt32("llama.rope.dimension_count", HEAD_DIM)
                .putFloat32("llama.rope.freq_base", ROPE_BASE)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", EPS)
                .putUInt32("llama.vocab_size", vocab)
                .putUInt32("general.file_type", 0) // ALL_F32
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putInt32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", merges)
                .putUInt32("tokenizer.ggml.bos_token_id", eos)
                .putUInt32("tokenizer.ggml.eos_token_id", eos)
                .putBool("tokenizer.ggml.add_bos_token", false);
        // ggml shapes are innermost first: a [out, in] matrix is {in, out}.
        w.addF32("token_embd.weight", new long[] {EMBD, vocab}, tokenEmbd);
        for (int l = 0; l < LAYERS; l++) {
            String p = "blk." + l + ".";
            w.addF32(p + "attn_norm.weight", new long[] {EMBD}, attnNorm[l]);
            w.addF32(p + "attn_q.weight", new long[] {EMBD, EMBD}, wq[l]);
            w.addF32(p + "attn_k.weight", new long[] {EMBD, KV_HEADS * HEAD_DIM}, wk[l]);
            w.addF32(p + "attn_v.weight", new long[] {EMBD, KV_HEADS * HEAD_DIM}, wv[l]);
            w.addF32(p + "attn_output.weight", new long[] {EMBD, EMBD}, wo[l]);
            w.addF32(p + "ffn_norm.weight", new long[] {EMBD}, ffnNorm[l]);
            w.addF32(p + "ffn_gate.weight", new long[] {EMBD, FF}, wGate[l]);
            w.addF32(p + "ffn_up.weight", new long[] {EMBD, FF}, wUp[l]);
            w.addF32(p + "ffn_down.weight", new long[] {FF, EMBD}, wDown[l]);
        }
        w.addF32("output_norm.weight", new long[] {EMBD}, outputNorm);
        w.addF32("output.weight", new long[] {EMBD, vocab}, output);
        w.write(file);
    }

    /** Next-token log-probabilities after each prefix tokens[0..p], in double precision. */
    double[][] logProbs(int[] tokens) {
        int n = tokens.length;
        int kvDim = KV_HEADS * HEAD_DIM;
        double[][] x = new double[n][];
        for (int p = 0; p < n; p++) x[p] = row(tokenEmbd, tokens[p], EMBD);
        for (int l = 0; l < LAYERS; l++) {
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int p = 0; p < n; p++) {
                double[] h = rmsNorm(x[p], attnNorm[l]);
                q[p] = rope(matVec(wq[l], h, EMBD), p, HEADS);
                k[p] = rope(matVec(wk[l], h, kvDim), p, KV_HEADS);
                v[p] = matVec(wv[l], h, kvDim);
            }
            for (int p = 0; p < n; p++) {
                double[] attn = new double[EMBD];
                for (int head = 0; head < HEADS; head++) {
                    int kvHead = head / (HEADS / KV_HEADS);
                    double[] score = new double[p + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= p; s++) {
                        double dot = 0;
                        for (int d = 0; d < HEAD_DIM; d++) dot += q[p][head * HEAD_DIM + d] * k[s][kvHead * HEAD_DIM + d];
                        score[s] = dot / Math.sqrt(HEAD_DIM);
                        max = Math.max(max, score[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= p; s++) sum += score[s] = Math.exp(score[s] - max);
                    for (int s = 0; s <= p; s++) {
                        for (int d = 0; d < HEAD_DIM; d++) attn[head * HEAD_DIM + d] += score[s] / sum * v[s][kvHead * HEAD_DIM + d];
                    }
                }
                add(x[p], matVec(wo[l], attn, EMBD));
            }
            for (int p = 0; p < n; p++) {
                double[] h = rmsNorm(x[p], ffnNorm[l]);
                double[] gate = matVec(wGate[l], h, FF);
                double[] up = matVec(wUp[l], h, FF);
                for (int i = 0; i < FF; i++) gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                add(x[p], matVec(wDown[l], gate, EMBD));
            }
        }
        double[][] out = new double[n][];
        for (int p = 0; p < n; p++) {
            double[] logits = matVec(output, rmsNorm(x[p], outputNorm), vocab);
            double max = Double.NEGATIVE_INFINITY;
            for (double z : logits) max = Math.max(max, z);
            double sum = 0;
            for (double z : logits) sum += Math.exp(z - max);
            double logZ = max + Math.log(sum);
            for (int i = 0; i < vocab; i++) logits[i] -= logZ;
            out[p] = logits;
        }
        return out;
    }

    // ---- the pieces, as llama.cpp computes them ----

    private static double[] rmsNorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double scale = 1 / Math.sqrt(ss / x.length + EPS);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * scale * weight[i];
        return y;
    }

    /** llama's RoPE ("NORM" mode) rotates adjacent pairs (x[2i], x[2i+1]) by pos * base^(-2i/d) in each head. */
    private static double[] rope(double[] x, int pos, int heads) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < HEAD_DIM / 2; i++) {
                double theta = pos * Math.pow(ROPE_BASE, -2.0 * i / HEAD_DIM);
                double c = Math.cos(theta), s = Math.sin(theta);
                int a = h * HEAD_DIM + 2 * i;
                double x0 = x[a], x1 = x[a + 1];
                x[a] = x0 * c - x1 * s;
                x[a + 1] = x0 * s + x1 * c;
            }
        }
        return x;
    }

    /** y = W x for W stored as {@code rows} rows of x.length values (ggml {in, out}). */
    private static double[] matVec(float[] w, double[] x, int rows) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[r * x.length + i] * x[i];
            y[r] = s;
        }
        return y;
    }

    private static double[] row(float[] m, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) out[i] = m[r * width + i];
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }

    private static float[] around1(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        return a;
    }

    private static Path writeTokenizerJson(Path file) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), (long) vocab.size());
        List<Object> merges = new ArrayList<>();
        for (String[] m : MERGES) {
            merges.add(List.of(m[0], m[1]));
            vocab.putIfAbsent(m[0] + m[1], (long) vocab.size());
        }
        long eos = vocab.size();
        vocab.put(EOS, eos);
        Map<String, Object> root = Json.obj(
                "version", "1.0",
                "added_tokens", List.of(Json.obj("id", eos, "content", EOS, "single_word", false, "lstrip", false,
                        "rstrip", false, "normalized", false, "special", true)),
                "normalizer", null,
                "pre_tokenizer", Json.obj("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true,
                        "use_regex", true),
                "decoder", Json.obj("type", "ByteLevel"),
                "model", Json.obj("type", "BPE", "dropout", null, "ignore_merges", false, "vocab", vocab,
                        "merges", merges));
        Json.write(file, root);
        return file;
    }
}
