package dev.trident.infer;

import dev.trident.kernels.BatchedGemv;
import dev.trident.kernels.DecodeAttention;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Attention;
import dev.trident.nn.Block;
import dev.trident.nn.LatentAttention;
import dev.trident.nn.FeedForward;
import dev.trident.nn.MixtureOfExperts;
import dev.trident.nn.MultiTokenPrediction;
import dev.trident.nn.RmsNorm;

import java.util.Arrays;

/**
 * The inference forward pass over a {@link KvCache}: feeds n new tokens at the cache's end (n = 1 when decoding,
 * the prompt when pre-filling, the drafts when verifying speculation) and returns their logits. It reads the same
 * weight arrays as the training {@link Transformer}, touches only the experts the router picks, and allocates all
 * its buffers once, for up to maxBatch tokens.
 */
public final class Decoder {
    private final Transformer model;
    private final ModelConfig c;
    private final int maxBatch, qDim, kvDim;
    private final float[] x, xn, q, k, v, att, proj, gate, up, hid, logits, invRms;
    // Mixture-of-experts scratch: router affinities, choices, gates, and the gathered rows of one expert.
    private final float[] affinity, gates, xg, yg, concat;
    private final int[] chosen, rowsOf;
    private final Segments segments;
    private long expertBytesRead;
    /** Multi-head latent attention over latent cache rows; null for a GQA model. */
    private final LatentAttentionDecoder latent;

    public Decoder(Transformer model, int maxBatch) {
        this(model, maxBatch, LatentAttentionDecoder.Path.ABSORBED);
    }

    /** With an explicit MLA path: NAIVE decompresses keys and values per cached token (the reference for tests). */
    Decoder(Transformer model, int maxBatch, LatentAttentionDecoder.Path mlaPath) {
        this.model = model;
        this.c = model.config;
        this.maxBatch = maxBatch;
        this.qDim = c.heads() * c.headDim();
        this.kvDim = c.kvHeads() * c.headDim();
        int d = c.dim();
        int hidden = Math.max(c.hiddenDim(), c.moe() == null ? 0 : c.moe().expertHidden() * Math.max(1, c.moe().sharedExperts()));
        x = new float[maxBatch * d];
        xn = new float[maxBatch * d];
        q = new float[maxBatch * qDim];
        k = new float[maxBatch * kvDim];
        v = new float[maxBatch * kvDim];
        att = new float[maxBatch * qDim];
        proj = new float[maxBatch * d];
        gate = new float[maxBatch * hidden];
        up = new float[maxBatch * hidden];
        hid = new float[maxBatch * hidden];
        logits = new float[maxBatch * c.vocabSize()];
        invRms = new float[maxBatch];
        int experts = c.moe() == null ? 0 : c.moe().routedExperts(), active = c.moe() == null ? 0 : c.moe().activeExperts();
        affinity = new float[maxBatch * experts];
        gates = new float[maxBatch * active];
        chosen = new int[maxBatch * active];
        rowsOf = new int[maxBatch * active];
        xg = new float[maxBatch * d];
        yg = new float[maxBatch * d];
        concat = new float[c.mtpDepth() > 0 ? maxBatch * 2 * d : 0];
        segments = new Segments(maxBatch);
        latent = c.mla() == null ? null : new LatentAttentionDecoder(c.mla(), model.rope, maxBatch, c.maxSeqLen(), mlaPath);
    }

    public KvCache newCache() {
        return cache(c.layers());
    }

    /** GQA: keys and values of kvDim per layer and position; MLA: one row [c_kv ; k_pe] per layer and position. */
    private KvCache cache(int layers) {
        return c.mla() == null ? new KvCache(layers, c.maxSeqLen(), kvDim) : new KvCache(layers, c.maxSeqLen(), c.mla().latentWidth(), 0);
    }

    public ModelConfig config() { return c; }

    public int maxBatch() { return maxBatch; }

    /** Bytes of routed-expert weights read since the last call (decode reads only the chosen experts). */
    public long takeExpertBytesRead() {
        long b = expertBytesRead;
        expertBytesRead = 0;
        return b;
    }

    /**
     * Runs tokens[0..n) at positions cache.length() ... and appends them to the cache. Returns the logits buffer:
     * row i (vocab floats at i * vocab) is the next-token distribution after tokens[i]. Valid until the next call.
     */
    public float[] forward(KvCache cache, int[] tokens, int n) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        segments.clear();
        segments.add(cache, n);
        return run(tokens);
    }

    /**
     * Several sequences in one pass over the weights (continuous batching): segment s appends counts[s] tokens to
     * caches[s] (one token for a decoding sequence, a prompt chunk for one being pre-filled). tokens holds the
     * segments' tokens one after another, and so do the rows of the returned logits. Each cache at most once.
     */
    public float[] forward(KvCache[] caches, int[] counts, int numSegments, int[] tokens) {
        int n = 0;
        for (int s = 0; s < numSegments; s++) n += counts[s];
        if (n < 1 || n > maxBatch || numSegments > maxBatch)
            throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        segments.clear();
        for (int s = 0; s < numSegments; s++) segments.add(caches[s], counts[s]);
        return run(tokens);
    }

    private float[] run(int[] tokens) {
        int d = c.dim(), n = segments.rows();
        for (int i = 0; i < n; i++) System.arraycopy(model.embedding.data, tokens[i] * d, x, i * d, d);
        for (int l = 0; l < c.layers(); l++) block(model.blocks[l], l, n);
        segments.commit();
        return head(model.finalNorm, n);
    }

    /**
     * The final hidden states (after the final norm) of the tokens of the last {@link #forward} call, n rows of dim
     * floats: h^0 for the MTP modules. Valid until the next call.
     */
    public float[] hidden() {
        return xn;
    }

    /** The residual stream before the final norm after the last call (h^k of an MTP module after mtpForward). */
    public float[] residual() {
        return x;
    }

    /**
     * MTP module k (1-based) over n positions appended to its own one-layer cache: position i reads token ids[i]
     * (t_{i+k}) and the previous depth's representation prev[prevOff + i*d ...]. Returns logits (rows of vocab);
     * {@link #residual()} then holds h^k for the next depth.
     */
    public float[] mtpForward(int k, KvCache cache, int[] ids, int idOff, float[] prev, int prevOff, int n) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        MultiTokenPrediction.Module m = model.mtp.modules[k - 1];
        int d = c.dim();
        segments.clear();
        segments.add(cache, n);
        for (int i = 0; i < n; i++) System.arraycopy(model.embedding.data, ids[idOff + i] * d, proj, i * d, d);
        RmsNormKernel.forward(proj, m.embeddingNorm.weight.data, xn, invRms, n, d, m.embeddingNorm.eps);
        System.arraycopy(prev, prevOff, proj, 0, n * d);
        RmsNormKernel.forward(proj, m.hiddenNorm.weight.data, yg, invRms, n, d, m.hiddenNorm.eps);
        for (int i = 0; i < n; i++) { // [emb ; h] rows of 2d
            System.arraycopy(yg, i * d, concat, i * 2 * d + d, d);
            System.arraycopy(xn, i * d, concat, i * 2 * d, d);
        }
        matmul(concat, 0, m.projection.data, x, 0, n, d, 2 * d);
        block(m.block, 0, n);
        segments.commit();
        return head(m.finalNorm, n);
    }

    /** A KV cache for one MTP module. */
    public KvCache newMtpCache() {
        return cache(1);
    }

    /** logits = head(norm(x)) for n rows; xn keeps the normed rows. */
    private float[] head(RmsNorm norm, int n) {
        RmsNormKernel.forward(x, norm.weight.data, xn, invRms, n, c.dim(), norm.eps);
        matmul(xn, 0, model.head.data, logits, 0, n, c.vocabSize(), c.dim());
        return logits;
    }

    /** One transformer block on the residual stream x for the n rows of the segments, appending to their layer's caches. */
    private void block(Block b, int layer, int n) {
        int d = c.dim();
        RmsNormKernel.forward(x, b.attentionNorm.weight.data, xn, invRms, n, d, b.attentionNorm.eps);
        switch (b.attention) {
            case Attention a -> groupedQuery(a, layer, n);
            case LatentAttention a -> latent.forward(a, xn, n, segments, layer, proj);
        }
        for (int i = 0; i < n * d; i++) x[i] += proj[i];
        RmsNormKernel.forward(x, b.ffnNorm.weight.data, xn, invRms, n, d, b.ffnNorm.eps);
        switch (b.feedForward) {
            case FeedForward f -> swiglu(f, xn, 0, proj, 0, n);
            case MixtureOfExperts moe -> experts(moe, n);
        }
        for (int i = 0; i < n * d; i++) x[i] += proj[i];
    }

    /**
     * proj = GQA(xn) for the n rows: projections batched over all rows, then per segment RoPE at its positions, keys
     * and values appended to its cache, and causal attention over it.
     */
    private void groupedQuery(Attention a, int layer, int n) {
        int d = c.dim();
        float scale = (float) (1 / Math.sqrt(c.headDim()));
        matmul(xn, 0, a.wq.data, q, 0, n, qDim, d);
        matmul(xn, 0, a.wk.data, k, 0, n, kvDim, d);
        matmul(xn, 0, a.wv.data, v, 0, n, kvDim, d);
        if (a.qNorm != null) { // QK-norm: every head of q and k RMS-normalized in place before RoPE
            RmsNormKernel.forward(q, a.qNorm.weight.data, q, null, n * c.heads(), c.headDim(), a.qNorm.eps);
            RmsNormKernel.forward(k, a.kNorm.weight.data, k, null, n * c.kvHeads(), c.headDim(), a.kNorm.eps);
        }
        for (int s = 0; s < segments.size(); s++) {
            int r0 = segments.start[s], m = segments.count[s], pos0 = segments.pos[s];
            float[] keys = segments.cache[s].keys[layer], values = segments.cache[s].values[layer];
            RopeKernel.apply(q, r0, m, c.heads(), c.headDim(), pos0, Integer.MAX_VALUE, model.rope, false);
            RopeKernel.apply(k, r0, m, c.kvHeads(), c.headDim(), pos0, Integer.MAX_VALUE, model.rope, false);
            System.arraycopy(k, r0 * kvDim, keys, pos0 * kvDim, m * kvDim);
            System.arraycopy(v, r0 * kvDim, values, pos0 * kvDim, m * kvDim);
            DecodeAttention.attendMany(q, r0 * qDim, qDim, m, pos0, keys, values, 0, kvDim,
                    c.heads(), c.kvHeads(), c.headDim(), scale, att, r0 * qDim, qDim);
        }
        matmul(att, 0, a.wo.data, proj, 0, n, d, qDim);
    }

    /** out[n, d] = down(silu(in gate^T) * (in up^T)) for rows of in starting at inOff. */
    private void swiglu(FeedForward f, float[] in, int inOff, float[] out, int outOff, int n) {
        int d = c.dim(), h = f.spec.hiddenDim();
        matmul(in, inOff, f.gate.data, gate, 0, n, h, d);
        matmul(in, inOff, f.up.data, up, 0, n, h, d);
        SwiGluKernel.forward(gate, up, hid, n * h);
        matmul(hid, 0, f.down.data, out, outOff, n, d, h);
    }

    /** proj = shared(xn) + sum_k g_k expert_k(xn): tokens grouped by expert, only the chosen experts' weights read. */
    private void experts(MixtureOfExperts moe, int n) {
        int d = c.dim(), e = moe.spec.routedExperts(), kk = moe.spec.activeExperts();
        matmul(xn, 0, moe.router.weight.data, affinity, 0, n, e, d);
        moe.router.affinities(affinity, affinity, n);
        moe.router.select(affinity, n, chosen);
        moe.router.gateWeights(affinity, chosen, n, gates);
        if (moe.shared != null) swiglu(moe.shared, xn, 0, proj, 0, n);
        else Arrays.fill(proj, 0, n * d, 0f);
        long expertBytes = 4L * 3 * d * moe.spec.expertHidden();
        for (int ex = 0; ex < e; ex++) {
            int m = 0;
            for (int p = 0; p < n * kk; p++) if (chosen[p] == ex) rowsOf[m++] = p;
            if (m == 0) continue;
            for (int r = 0; r < m; r++) System.arraycopy(xn, (rowsOf[r] / kk) * d, xg, r * d, d);
            swiglu(moe.experts[ex], xg, 0, yg, 0, m);
            expertBytesRead += expertBytes;
            for (int r = 0; r < m; r++) {
                int t = rowsOf[r] / kk;
                float g = gates[rowsOf[r]];
                for (int j = 0; j < d; j++) proj[t * d + j] += g * yg[r * d + j];
            }
        }
    }

    /**
     * y[n, out] = x[n, in] W^T: a GEMV when decoding one token, a batched GEMV (each weight row read once) for a few
     * (speculative verification), a GEMM for a prompt.
     */
    static void matmul(float[] x, int xOff, float[] w, float[] y, int yOff, int n, int out, int in) {
        if (n <= 8) BatchedGemv.multiply(n, out, in, w, x, xOff, y, yOff);
        else Gemm.sgemm(false, true, n, out, in, x, xOff, in, w, 0, in, 0f, y, yOff, out);
    }
}
