package dev.trident.infer;

import dev.trident.kernels.Gemm;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Block;

/**
 * The inference forward pass over a {@link KvCache}: feeds n new tokens at the cache's end (n = 1 when decoding,
 * the prompt when pre-filling, the drafts when verifying speculation) and returns their logits. It reads the same
 * weight arrays as the training {@link Transformer} and allocates all its buffers once, for up to maxBatch tokens.
 */
public final class Decoder {
    private final Transformer model;
    private final ModelConfig c;
    private final int maxBatch, qDim, kvDim;
    private final float[] x, xn, q, k, v, att, proj, gate, up, hid, logits, scores, invRms;

    public Decoder(Transformer model, int maxBatch) {
        this.model = model;
        this.c = model.config;
        this.maxBatch = maxBatch;
        this.qDim = c.heads() * c.headDim();
        this.kvDim = c.kvHeads() * c.headDim();
        int d = c.dim();
        x = new float[maxBatch * d];
        xn = new float[maxBatch * d];
        q = new float[maxBatch * qDim];
        k = new float[maxBatch * kvDim];
        v = new float[maxBatch * kvDim];
        att = new float[maxBatch * qDim];
        proj = new float[maxBatch * d];
        gate = new float[maxBatch * c.hiddenDim()];
        up = new float[maxBatch * c.hiddenDim()];
        hid = new float[maxBatch * c.hiddenDim()];
        logits = new float[maxBatch * c.vocabSize()];
        scores = new float[WorkerPool.global().threads() * c.maxSeqLen()];
        invRms = new float[maxBatch];
    }

    public KvCache newCache() {
        return new KvCache(c.layers(), c.maxSeqLen(), kvDim);
    }

    public ModelConfig config() { return c; }

    public int maxBatch() { return maxBatch; }

    /**
     * Runs tokens[0..n) at positions cache.length() ... and appends them to the cache. Returns the logits buffer:
     * row i (vocab floats at i * vocab) is the next-token distribution after tokens[i]. Valid until the next call.
     */
    public float[] forward(KvCache cache, int[] tokens, int n) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        int pos0 = cache.length();
        if (pos0 + n > cache.capacity()) throw new IllegalStateException("context full: " + (pos0 + n) + " > " + cache.capacity());
        int d = c.dim(), hd = c.hiddenDim(), vocab = c.vocabSize();
        for (int i = 0; i < n; i++) System.arraycopy(model.embedding.data, tokens[i] * d, x, i * d, d);
        for (int l = 0; l < c.layers(); l++) {
            Block b = model.blocks[l];
            RmsNormKernel.forward(x, b.attentionNorm.weight.data, xn, invRms, n, d, b.attentionNorm.eps);
            matmul(xn, b.attention.wq.data, q, n, qDim, d);
            matmul(xn, b.attention.wk.data, k, n, kvDim, d);
            matmul(xn, b.attention.wv.data, v, n, kvDim, d);
            RopeKernel.apply(q, n, c.heads(), c.headDim(), pos0, Integer.MAX_VALUE, model.rope, false);
            RopeKernel.apply(k, n, c.kvHeads(), c.headDim(), pos0, Integer.MAX_VALUE, model.rope, false);
            System.arraycopy(k, 0, cache.keys[l], pos0 * kvDim, n * kvDim);
            System.arraycopy(v, 0, cache.values[l], pos0 * kvDim, n * kvDim);
            attend(cache.keys[l], cache.values[l], pos0, n);
            matmul(att, b.attention.wo.data, proj, n, d, qDim);
            for (int i = 0; i < n * d; i++) x[i] += proj[i];
            RmsNormKernel.forward(x, b.ffnNorm.weight.data, xn, invRms, n, d, b.ffnNorm.eps);
            matmul(xn, b.feedForward.gate.data, gate, n, hd, d);
            matmul(xn, b.feedForward.up.data, up, n, hd, d);
            SwiGluKernel.forward(gate, up, hid, n * hd);
            matmul(hid, b.feedForward.down.data, proj, n, d, hd);
            for (int i = 0; i < n * d; i++) x[i] += proj[i];
        }
        RmsNormKernel.forward(x, model.finalNorm.weight.data, xn, invRms, n, d, model.finalNorm.eps);
        matmul(xn, model.head.data, logits, n, vocab, d);
        cache.setLength(pos0 + n);
        return logits;
    }

    /** y[n, out] = x[n, in] W^T: a GEMV per token when decoding one, a GEMM otherwise. */
    private static void matmul(float[] x, float[] w, float[] y, int n, int out, int in) {
        if (n == 1) Gemm.gemv(out, in, w, 0, x, 0, y, 0);
        else Gemm.sgemm(false, true, n, out, in, x, 0, in, w, 0, in, 0f, y, 0, out);
    }

    /** Causal attention of the n new query rows (at pos0..) over the cache, one (token, head) pair per task. */
    private void attend(float[] keys, float[] values, int pos0, int n) {
        int heads = c.heads(), hd = c.headDim(), group = heads / c.kvHeads();
        float scale = (float) (1 / Math.sqrt(hd));
        int ctx = c.maxSeqLen();
        WorkerPool.global().parallelFor(n * heads, (from, to, worker) -> {
            int sOff = worker * ctx;
            for (int task = from; task < to; task++) {
                int i = task / heads, h = task % heads, kvh = h / group;
                int len = pos0 + i + 1, qo = i * qDim + h * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < len; p++) {
                    int ko = p * kvDim + kvh * hd;
                    float dot = 0;
                    for (int e = 0; e < hd; e++) dot += q[qo + e] * keys[ko + e];
                    float s = dot * scale;
                    scores[sOff + p] = s;
                    if (s > max) max = s;
                }
                float sum = 0;
                for (int p = 0; p < len; p++) {
                    float e = (float) Math.exp(scores[sOff + p] - max);
                    scores[sOff + p] = e;
                    sum += e;
                }
                float inv = 1 / sum;
                java.util.Arrays.fill(att, qo, qo + hd, 0f);
                for (int p = 0; p < len; p++) {
                    float w = scores[sOff + p] * inv;
                    int vo = p * kvDim + kvh * hd;
                    for (int e = 0; e < hd; e++) att[qo + e] += w * values[vo + e];
                }
            }
        });
    }
}
