package dev.trident.infer;

import dev.trident.kernels.BatchedGemv;
import dev.trident.kernels.DecodeAttention;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.WorkerPool;
import dev.trident.kernels.quant.Matmul;
import dev.trident.model.ModelConfig;
import dev.trident.model.Transformer;
import dev.trident.nn.Router;
import dev.trident.quant.WeightMatrix;

import java.util.Arrays;

/**
 * The inference forward pass over a {@link KvCache}: feeds n new tokens at the cache's end (n = 1 when decoding,
 * the prompt when pre-filling, the drafts when verifying speculation, several sequences' tokens in a continuous
 * batching step) and returns their logits. It reads the weights from {@link ModelWeights}: the training
 * {@link Transformer}'s own fp32 arrays (then it computes what the training forward computes) or quantized ones.
 * Every product goes through one {@link Matmul} (a per-format GEMV for up to {@link Matmul#BATCH_MAX} rows, a GEMM
 * beyond); only the experts the router picks are touched; all buffers are allocated once, for up to maxBatch
 * tokens, so a decode step allocates nothing.
 */
public final class Decoder {
    private final ModelWeights w;
    private final ModelConfig c;
    private final int maxBatch, qDim, kvDim;
    private final Matmul mm;
    private final float[] x, xn, q, k, v, att, proj, invRms;
    private final SwiGluRunner ffn;
    /** Logit rows; grown on first use to the most rows asked for (a prefill that wants only its last row needs one). */
    private float[] logits;
    // Mixture-of-experts scratch: router affinities, choices, gates; the routed experts' output rows; the experts
    // chosen (units, in expert order) and their rows; one SwiGLU runner per worker when experts run in parallel.
    // MTP scratch: yg (a normed row block) and concat ([emb ; h]).
    private final float[] affinity, gates, routed, yg, concat;
    private final int[] chosen, rowsOf, unitExpert, unitStart;
    private SwiGluRunner[] runners = new SwiGluRunner[0];
    private final ExpertTask expertTask = new ExpertTask();
    private final boolean int8Activations;
    private final Segments segments;
    private final SegmentSplit split = new SegmentSplit();
    private long expertBytesRead;
    /** Multi-head latent attention over latent cache rows; null for a GQA model. */
    private final LatentAttentionDecoder latent;

    /** Over the training model's own fp32 weights (no copy). */
    public Decoder(Transformer model, int maxBatch) {
        this(ModelWeights.of(model), maxBatch);
    }

    /**
     * Over the given weights, quantized ones multiplying fp32 activations: on this Zen 4 the float kernels beat the
     * int8-activation ones (docs/quantization.md: the Vector API has no byte dot product, so integer products
     * cost as much as float ones, plus the quantization of the activations), except on rows longer than
     * {@link dev.trident.kernels.quant.Matmul#LONG_ROW}, which take int8 activations to keep x in L1.
     */
    public Decoder(ModelWeights weights, int maxBatch) {
        this(weights, maxBatch, false, LatentAttentionDecoder.Path.ABSORBED);
    }

    /** With int8Activations on, Q8_0 / Q4_0 / Q4_K multiply activations quantized to int8 blocks (llama.cpp's way). */
    public Decoder(ModelWeights weights, int maxBatch, boolean int8Activations) {
        this(weights, maxBatch, int8Activations, LatentAttentionDecoder.Path.ABSORBED);
    }

    /** With an explicit MLA path: NAIVE decompresses keys and values per cached token (the reference for tests). */
    Decoder(Transformer model, int maxBatch, LatentAttentionDecoder.Path mlaPath) {
        this(ModelWeights.of(model), maxBatch, false, mlaPath);
    }

    Decoder(ModelWeights weights, int maxBatch, boolean int8Activations, LatentAttentionDecoder.Path mlaPath) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        this.w = weights;
        this.c = weights.config();
        this.maxBatch = maxBatch;
        this.qDim = c.heads() * c.headDim();
        this.kvDim = c.kvHeads() * c.headDim();
        int d = c.dim();
        int hidden = Math.max(c.hiddenDim(), c.moe() == null ? 0 : c.moe().expertHidden() * Math.max(1, c.moe().sharedExperts()));
        this.mm = new Matmul(maxBatch, Math.max(weights.maxCols(), 2 * d), int8Activations);
        x = new float[maxBatch * d];
        xn = new float[maxBatch * d];
        q = new float[maxBatch * qDim];
        k = new float[maxBatch * kvDim];
        v = new float[maxBatch * kvDim];
        att = new float[maxBatch * qDim];
        proj = new float[maxBatch * d];
        ffn = new SwiGluRunner(mm, maxBatch, hidden, d);
        this.int8Activations = int8Activations;
        logits = new float[c.vocabSize()];
        invRms = new float[maxBatch];
        int experts = c.moe() == null ? 0 : c.moe().routedExperts(), active = c.moe() == null ? 0 : c.moe().activeExperts();
        affinity = new float[maxBatch * experts];
        gates = new float[maxBatch * active];
        chosen = new int[maxBatch * active];
        rowsOf = new int[maxBatch * active];
        unitExpert = new int[experts];
        unitStart = new int[experts + 1];
        routed = new float[maxBatch * active * d];
        yg = new float[maxBatch * d];
        concat = new float[c.mtpDepth() > 0 ? maxBatch * 2 * d : 0];
        segments = new Segments(maxBatch);
        latent = c.mla() == null ? null : new LatentAttentionDecoder(c.mla(), weights.rope(), maxBatch, c.maxSeqLen(), mlaPath, mm);
    }

    public KvCache newCache() {
        return cache(c.layers());
    }

    /** GQA: keys and values of kvDim per layer and position; MLA: one row [c_kv ; k_pe] per layer and position. */
    private KvCache cache(int layers) {
        return c.mla() == null ? new KvCache(layers, c.maxSeqLen(), kvDim) : new KvCache(layers, c.maxSeqLen(), c.mla().latentWidth(), 0);
    }

    public ModelConfig config() { return c; }

    public ModelWeights weights() { return w; }

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
        return run(tokens, false);
    }

    /**
     * {@link #forward} for a prompt: the output head runs on the last token only (the others' logits are not
     * needed to continue, and with a large vocabulary the head is a fifth of a prefill's work). Returns the logits
     * buffer with that row at 0. {@link #hidden()} still holds every row.
     */
    public float[] forwardLast(KvCache cache, int[] tokens, int n) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        segments.clear();
        segments.add(cache, n);
        return run(tokens, true);
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
        return run(tokens, false);
    }

    private float[] run(int[] tokens, boolean lastOnly) {
        int d = c.dim(), n = segments.rows();
        for (int i = 0; i < n; i++) embed(tokens[i], x, i * d);
        for (int l = 0; l < c.layers(); l++) block(w.blocks()[l], l, n);
        segments.commit();
        return head(w.finalNorm(), n, lastOnly ? 1 : n);
    }

    private void embed(int token, float[] dst, int off) {
        if (token < 0 || token >= c.vocabSize()) throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + c.vocabSize());
        w.embedding().dequantizeRow(token, dst, off);
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
        return mtpForward(k, cache, ids, idOff, prev, prevOff, n, n);
    }

    /**
     * {@link #mtpForward} computing the head for the last headRows rows only (0..n), at logits rows 0..headRows: a
     * drafter needs the distribution at the frontier alone, and the shared head is a third of a small module's work.
     */
    public float[] mtpForward(int k, KvCache cache, int[] ids, int idOff, float[] prev, int prevOff, int n, int headRows) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, decoder holds " + maxBatch);
        if (headRows < 0 || headRows > n) throw new IllegalArgumentException("head rows " + headRows + " outside 0.." + n);
        ModelWeights.Mtp m = w.mtp()[k - 1];
        int d = c.dim();
        segments.clear();
        segments.add(cache, n);
        for (int i = 0; i < n; i++) embed(ids[idOff + i], proj, i * d);
        norm(proj, m.embeddingNorm(), xn, n);
        System.arraycopy(prev, prevOff, proj, 0, n * d);
        norm(proj, m.hiddenNorm(), yg, n);
        for (int i = 0; i < n; i++) { // [emb ; h] rows of 2d
            System.arraycopy(yg, i * d, concat, i * 2 * d + d, d);
            System.arraycopy(xn, i * d, concat, i * 2 * d, d);
        }
        mm.input(concat, 0, n, 2 * d).multiply(m.projection(), x, 0);
        block(m.block(), 0, n);
        segments.commit();
        return head(m.finalNorm(), n, headRows);
    }

    /** A KV cache for one MTP module. */
    public KvCache newMtpCache() {
        return cache(1);
    }

    private void norm(float[] in, ModelWeights.Norm norm, float[] out, int n) {
        RmsNormKernel.forward(in, norm.gain(), out, invRms, n, c.dim(), norm.eps());
    }

    /** logits = head(norm(x)) for the last rows of the n rows (at logits row 0 on); xn keeps every normed row. */
    private float[] head(ModelWeights.Norm norm, int n, int rows) {
        norm(x, norm, xn, n);
        int vocab = c.vocabSize();
        if (rows == 0) return logits;
        if (logits.length < rows * vocab) logits = new float[rows * vocab];
        mm.input(xn, (n - rows) * c.dim(), rows, c.dim()).multiply(w.head(), logits, 0);
        return logits;
    }

    /** One transformer block on the residual stream x for the n rows of the segments, appending to their layer's caches. */
    private void block(ModelWeights.Block b, int layer, int n) {
        int d = c.dim();
        norm(x, b.attentionNorm(), xn, n);
        switch (b.attention()) {
            case ModelWeights.Gqa a -> groupedQuery(a, layer, n);
            case ModelWeights.Mla a -> latent.forward(a, xn, n, segments, layer, proj);
        }
        for (int i = 0; i < n * d; i++) x[i] += proj[i];
        norm(x, b.ffnNorm(), xn, n);
        switch (b.ffn()) {
            case ModelWeights.Ffn f -> swiglu(f, xn, proj, 0, n);
            case ModelWeights.Moe moe -> experts(moe, n);
        }
        for (int i = 0; i < n * d; i++) x[i] += proj[i];
    }

    /**
     * proj = GQA(xn) for the n rows: projections batched over all rows, then per segment RoPE at its positions, keys
     * and values appended to its cache, and causal attention over it.
     */
    private void groupedQuery(ModelWeights.Gqa a, int layer, int n) {
        int d = c.dim();
        float scale = (float) (1 / Math.sqrt(c.headDim()));
        mm.input(xn, 0, n, d).multiply(a.wq(), q, a.wk(), k, a.wv(), v);
        if (a.qNorm() != null) { // QK-norm: every head of q and k RMS-normalized in place before RoPE
            RmsNormKernel.forward(q, a.qNorm().gain(), q, null, n * c.heads(), c.headDim(), a.qNorm().eps());
            RmsNormKernel.forward(k, a.kNorm().gain(), k, null, n * c.kvHeads(), c.headDim(), a.kNorm().eps());
        }
        gqaLayer = layer;
        gqaScale = scale;
        split.run(segments, 4L * c.heads() * c.headDim(), gqaSegment);
        mm.input(att, 0, n, qDim).multiply(a.wo(), proj, 0);
    }

    /** groupedQuery's per-segment part (fields, not a capturing lambda, so a step allocates nothing). */
    private int gqaLayer;
    private float gqaScale;
    private final SegmentSplit.Body gqaSegment = this::attendSegment;

    /** Segment s of this layer: RoPE at its positions, its keys and values appended to its cache, attention over it. */
    private void attendSegment(int s) {
        int layer = gqaLayer, r0 = segments.start[s], m = segments.count[s], pos0 = segments.pos[s];
        float[] keys = segments.cache[s].keys[layer], values = segments.cache[s].values[layer];
        RopeKernel.apply(q, r0, m, c.heads(), c.headDim(), pos0, Integer.MAX_VALUE, w.rope(), false);
        RopeKernel.apply(k, r0, m, c.kvHeads(), c.headDim(), pos0, Integer.MAX_VALUE, w.rope(), false);
        System.arraycopy(k, r0 * kvDim, keys, pos0 * kvDim, m * kvDim);
        System.arraycopy(v, r0 * kvDim, values, pos0 * kvDim, m * kvDim);
        DecodeAttention.attendMany(q, r0 * qDim, qDim, m, pos0, keys, values, 0, kvDim,
                c.heads(), c.kvHeads(), c.headDim(), gqaScale, att, r0 * qDim, qDim);
    }

    /** out[outOff + n * d] = down(silu(in gate^T) * (in up^T)) for n rows of in. */
    private void swiglu(ModelWeights.Ffn f, float[] in, float[] out, int outOff, int n) {
        ffn.run(f, in, c.dim(), out, outOff, n);
    }

    /**
     * proj = shared(xn) + sum_k g_k expert_k(xn): tokens grouped by expert, only the chosen experts' weights read.
     * Experts too small to split over threads one matrix at a time (BatchedGemv.worthThreads) run side by side
     * instead, a group of whole experts per worker, one synchronization per layer; the outputs are added in expert
     * order either way, so the result does not depend on which ran where.
     */
    private void experts(ModelWeights.Moe moe, int n) {
        int d = c.dim(), e = moe.spec().routedExperts(), kk = moe.spec().activeExperts();
        mm.input(xn, 0, n, d).multiply(moe.router(), affinity, 0);
        Router.affinities(moe.spec(), affinity, affinity, n);
        Router.select(moe.spec(), moe.bias(), affinity, n, chosen);
        Router.gateWeights(moe.spec(), affinity, chosen, n, gates);
        int units = 0, off = 0; // unit u: expert unitExpert[u], its rows rowsOf[unitStart[u] .. unitStart[u + 1])
        for (int ex = 0; ex < e; ex++) {
            int start = off;
            for (int p = 0; p < n * kk; p++) if (chosen[p] == ex) rowsOf[off++] = p;
            if (off > start) {
                unitExpert[units] = ex;
                unitStart[units++] = start;
            }
        }
        unitStart[units] = off;
        boolean shared = moe.shared() != null;
        int threads = WorkerPool.global().threads(), jobs = units + (shared ? 1 : 0);
        if (threads > 1 && jobs > 1 && !BatchedGemv.worthThreads(1, moe.spec().expertHidden(), d)) {
            if (runners.length < threads) growRunners(threads, moe);
            expertTask.start(moe, n, units, Math.min(threads, jobs));
            try {
                WorkerPool.global().parallelFor(expertTask.groups, expertTask);
            } finally {
                expertTask.moe = null;
            }
        } else {
            if (shared) swiglu(moe.shared(), xn, proj, 0, n);
            for (int u = 0; u < units; u++) runExpert(ffn, moe, u, kk, d);
        }
        if (!shared) Arrays.fill(proj, 0, n * d, 0f);
        for (int u = 0; u < units; u++) {
            expertBytesRead += moe.experts()[unitExpert[u]].byteSize();
            for (int i = unitStart[u]; i < unitStart[u + 1]; i++) {
                int t = rowsOf[i] / kk;
                float g = gates[rowsOf[i]];
                for (int j = 0; j < d; j++) proj[t * d + j] += g * routed[i * d + j];
            }
        }
    }

    /** Unit u's expert over its rows, gathered into r's buffer; output rows unitStart[u] .. of {@link #routed}. */
    private void runExpert(SwiGluRunner r, ModelWeights.Moe moe, int u, int kk, int d) {
        int s = unitStart[u], m = unitStart[u + 1] - s;
        float[] xg = r.gathered();
        for (int i = 0; i < m; i++) System.arraycopy(xn, (rowsOf[s + i] / kk) * d, xg, i * d, d);
        r.run(moe.experts()[unitExpert[u]], xg, d, routed, s * d, m);
    }

    /** One runner per worker (worker 0 shares the decoder's), each with its own Matmul; made on first need. */
    private void growRunners(int threads, ModelWeights.Moe moe) {
        SwiGluRunner[] r = Arrays.copyOf(runners, threads);
        int hidden = moe.spec().expertHidden() * Math.max(1, moe.spec().sharedExperts());
        for (int i = 0; i < threads; i++)
            if (r[i] == null) r[i] = i == 0 ? ffn : new SwiGluRunner(new Matmul(maxBatch, Math.max(w.maxCols(), 2 * c.dim()), int8Activations),
                    maxBatch, hidden, c.dim());
        runners = r;
    }

    /**
     * The parallel form of {@link #experts}: jobs (u < units a routed expert, u = units the shared one) dealt into
     * one group per worker by cost, largest first, each to the least-loaded group (LPT). A job reads its expert once
     * and multiplies its rows, so it costs about {@link #JOB_READ} + rows: in a continuous-batching step the shared
     * expert has every row and most routed ones a single row, and equal job counts per worker leave one idle.
     */
    private final class ExpertTask implements WorkerPool.RangeBody {
        /** A job's cost in rows for reading its weights once (a one-row GEMV is bound by the read). */
        static final int JOB_READ = 8;
        ModelWeights.Moe moe;
        int n, units, groups;
        int[] order = new int[0], groupOf = new int[0], load = new int[0];

        void start(ModelWeights.Moe moe, int n, int units, int groups) {
            this.moe = moe;
            this.n = n;
            this.units = units;
            this.groups = groups;
            int jobs = units + (moe.shared() != null ? 1 : 0);
            if (order.length < jobs) {
                order = new int[jobs];
                groupOf = new int[jobs];
            }
            if (load.length < groups) load = new int[groups];
            for (int j = 0; j < jobs; j++) { // insertion sort by cost, largest first (at most experts + 1 jobs)
                int c = cost(j), i = j;
                for (; i > 0 && cost(order[i - 1]) < c; i--) order[i] = order[i - 1];
                order[i] = j;
            }
            Arrays.fill(load, 0, groups, 0);
            for (int i = 0; i < jobs; i++) {
                int g = 0;
                for (int h = 1; h < groups; h++) if (load[h] < load[g]) g = h;
                groupOf[order[i]] = g;
                load[g] += cost(order[i]);
            }
        }

        private int cost(int job) {
            return JOB_READ + (job == units ? n : unitStart[job + 1] - unitStart[job]);
        }

        @Override
        public void run(int from, int to, int worker) {
            SwiGluRunner r = runners[worker];
            int d = c.dim(), kk = moe.spec().activeExperts(), jobs = units + (moe.shared() != null ? 1 : 0);
            for (int g = from; g < to; g++)
                for (int u = 0; u < jobs; u++) {
                    if (groupOf[u] != g) continue;
                    if (u == units) r.run(moe.shared(), xn, d, proj, 0, n);
                    else runExpert(r, moe, u, kk, d);
                }
        }
    }
}
