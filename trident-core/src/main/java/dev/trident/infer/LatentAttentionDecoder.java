package dev.trident.infer;

import dev.trident.kernels.DecodeAttention;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.RopeTable;
import dev.trident.kernels.quant.Matmul;
import dev.trident.nn.MlaSpec;

import java.util.Arrays;

/**
 * Multi-head latent attention over a latent cache, for n new tokens: appends their rows [c_kv ; k_pe] to the layer's
 * cache, then attends. Two paths with the same result:
 *
 * <ul>
 * <li>{@link Path#ABSORBED} (DeepSeek's weight absorption): the score of head h against position p is
 * q_nope_h . (W_UK_h c_kv_p) + q_pe_h . k_pe_p = (W_UK_h^T q_nope_h) . c_kv_p + q_pe_h . k_pe_p, so the query is
 * folded into the latent space once per token, [W_UK_h^T q_nope_h ; q_pe_h], and every head attends directly to the
 * cached rows [c_kv ; k_pe] (multi-query attention with one shared head). Likewise sum_p a_p (W_UV_h c_kv_p) =
 * W_UV_h (sum_p a_p c_kv_p): the weighted latent goes through W_UV_h once per token. Keys and values are never formed
 * per cached position; the cache is read once per tile of four heads.
 * <li>{@link Path#NAIVE}: decompresses every cached position into per-head keys [W_UK_h c_kv_p ; k_pe_p] and values
 * W_UV_h c_kv_p, then runs ordinary multi-head attention. O(context x heads x (nope + v) x kv_lora_rank) work per
 * step; the reference the absorbed path is tested against.
 * </ul>
 *
 * The weights come from {@link ModelWeights.Mla} (W_UK_h^T and W_UV_h per head, in any format) and every product
 * goes through the decoder's {@link Matmul}. Buffers are allocated once for up to maxBatch new tokens; the naive
 * path's per-position buffers on first use.
 */
final class LatentAttentionDecoder {
    /** How attention reads the latent cache. */
    enum Path { ABSORBED, NAIVE }

    private final MlaSpec s;
    private final RopeTable rope;
    private final Path path;
    private final Matmul mm;
    private final int maxBatch, maxSeq, width; // width: one cached row, kv_lora_rank + qk_rope
    private final float[] cq, cqNorm, q, qPe, kvA, latent, latentNorm, kPe, invRms, qAbs, att, o;
    // Per-head operands of the absorbed products, gathered contiguous: q_nope_h [n, nope], q_abs_h / latent_h [n, c], o_h [n, v].
    private final float[] headIn, headOut;
    // NAIVE only: decompressed keys and values of every position, and padded queries.
    private float[] kvFull, keysFull, valuesFull, qFull, latentAll;
    private Matmul naiveMm;

    LatentAttentionDecoder(MlaSpec spec, RopeTable rope, int maxBatch, int maxSeq, Path path, Matmul mm) {
        this.s = spec;
        this.rope = rope;
        this.path = path;
        this.mm = mm;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.width = spec.latentWidth();
        int h = spec.heads();
        cq = new float[maxBatch * Math.max(1, spec.qLoraRank())];
        cqNorm = new float[cq.length];
        q = new float[maxBatch * h * spec.qkHeadDim()];
        qPe = new float[maxBatch * h * spec.qkRopeDim()];
        kvA = new float[maxBatch * width];
        latent = new float[maxBatch * spec.kvLoraRank()];
        latentNorm = new float[latent.length];
        kPe = new float[maxBatch * spec.qkRopeDim()];
        invRms = new float[maxBatch];
        qAbs = new float[maxBatch * h * width];
        att = new float[maxBatch * h * Math.max(width, Math.max(spec.qkHeadDim(), spec.vHeadDim()))];
        o = new float[maxBatch * h * spec.vHeadDim()];
        int widest = Math.max(spec.kvLoraRank(), Math.max(spec.qkNopeDim(), spec.vHeadDim()));
        headIn = new float[maxBatch * widest];
        headOut = new float[maxBatch * widest];
    }

    /**
     * out[n, d] = MLA(xn[n, d]) for the rows of the segments, whose latent rows are appended to each segment's cache
     * of this layer (rows of kv_lora_rank + qk_rope floats, position p at p * width).
     */
    void forward(ModelWeights.Mla a, float[] xn, int n, Segments segments, int layer, float[] out) {
        int d = s.dim(), h = s.heads(), qk = s.qkHeadDim(), nope = s.qkNopeDim(), r = s.qkRopeDim(), c = s.kvLoraRank();
        // Queries: q = W_UQ RMSNorm(W_DQ x) (or W_Q x); q_pe_h rotated, gathered into qPe [n][h][r].
        // The new cache rows: c_kv = RMSNorm(W_DKV x), k_pe = RoPE(W_KR x). Both read x: one input for both.
        mm.input(xn, 0, n, d);
        mm.multiply(a.wkvA(), kvA, 0);
        if (a.wqA() != null) {
            mm.multiply(a.wqA(), cq, 0);
            RmsNormKernel.forward(cq, a.qNorm().gain(), cqNorm, invRms, n, s.qLoraRank(), a.qNorm().eps());
            mm.input(cqNorm, 0, n, s.qLoraRank()).multiply(a.wqB(), q, 0);
        } else {
            mm.multiply(a.wqB(), q, 0);
        }
        for (int i = 0; i < n * h; i++) System.arraycopy(q, i * qk + nope, qPe, i * r, r);
        for (int i = 0; i < n; i++) {
            System.arraycopy(kvA, i * width, latent, i * c, c);
            System.arraycopy(kvA, i * width + c, kPe, i * r, r);
        }
        RmsNormKernel.forward(latent, a.kvNorm().gain(), latentNorm, invRms, n, c, a.kvNorm().eps());
        if (path == Path.ABSORBED) absorbQueries(a, n);
        this.mla = a;
        this.segments = segments;
        this.layer = layer;
        try {
            // the absorbed path's segments write disjoint rows and may run side by side; the naive one shares scratch
            if (path == Path.ABSORBED) split.run(segments, 4L * h * width, segmentBody);
            else for (int sg = 0; sg < segments.size(); sg++) segment(sg);
        } finally {
            this.mla = null;
            this.segments = null;
        }
        if (path == Path.ABSORBED) absorbValues(a, n);
        mm.input(o, 0, n, h * s.vHeadDim()).multiply(a.wo(), out, 0);
    }

    /** forward's per-segment part, with its arguments in fields (no capturing lambda: a step allocates nothing). */
    private ModelWeights.Mla mla;
    private Segments segments;
    private int layer;
    private final SegmentSplit split = new SegmentSplit();
    private final SegmentSplit.Body segmentBody = this::segment;

    /** Segment sg: RoPE at its positions, its latent rows appended to its cache, attention over it. */
    private void segment(int sg) {
        int h = s.heads(), r = s.qkRopeDim(), c = s.kvLoraRank();
        int r0 = segments.start[sg], m = segments.count[sg], pos0 = segments.pos[sg];
        float[] cache = segments.cache[sg].keys[layer];
        RopeKernel.apply(qPe, r0, m, h, r, pos0, Integer.MAX_VALUE, rope, false);
        RopeKernel.apply(kPe, r0, m, 1, r, pos0, Integer.MAX_VALUE, rope, false);
        for (int i = r0; i < r0 + m; i++) {
            System.arraycopy(latentNorm, i * c, cache, (pos0 + i - r0) * width, c);
            System.arraycopy(kPe, i * r, cache, (pos0 + i - r0) * width + c, r);
        }
        if (path == Path.ABSORBED) attendLatent(r0, m, pos0, cache);
        else naive(mla, r0, m, pos0, cache);
    }

    /**
     * The absorbed path, in three steps around the per-segment RoPE and cache writes. First, for every row and head,
     * q_abs_h[n, c] = W_UK_h^T q_nope_h: a product with the [c, nope] matrix ukT[h].
     */
    private void absorbQueries(ModelWeights.Mla a, int n) {
        int h = s.heads(), qk = s.qkHeadDim(), nope = s.qkNopeDim(), c = s.kvLoraRank();
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < n; i++) System.arraycopy(q, (i * h + head) * qk, headIn, i * nope, nope);
            mm.input(headIn, 0, n, nope).multiply(a.ukT()[head], headOut, 0);
            for (int i = 0; i < n; i++) System.arraycopy(headOut, i * c, qAbs, (i * h + head) * width, c);
        }
    }

    /**
     * Second, per segment: softmax([q_abs ; q_pe] . [c_kv ; k_pe] / sqrt(nope + rope) (x YaRN's mscale^2)) [c_kv ; k_pe], every head
     * against the shared latent rows; the first c columns are the weighted latent, the last r are not needed.
     */
    private void attendLatent(int r0, int m, int pos0, float[] cache) {
        int h = s.heads(), r = s.qkRopeDim(), c = s.kvLoraRank();
        for (int i = r0 * h; i < (r0 + m) * h; i++) System.arraycopy(qPe, i * r, qAbs, i * width + c, r);
        DecodeAttention.attendMany(qAbs, r0 * h * width, h * width, m, pos0, cache, cache, 0, width, h, 1, width,
                (float) (rope.softmaxFactor() / Math.sqrt(s.qkHeadDim())), att, r0 * h * width, h * width);
    }

    /** Third, o[n][h][v]: the weighted latent through W_UV_h, once per row and head. */
    private void absorbValues(ModelWeights.Mla a, int n) {
        int h = s.heads(), c = s.kvLoraRank(), dv = s.vHeadDim();
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < n; i++) System.arraycopy(att, (i * h + head) * width, headIn, i * c, c);
            mm.input(headIn, 0, n, c).multiply(a.uv()[head], headOut, 0);
            for (int i = 0; i < n; i++) System.arraycopy(headOut, i * dv, o, (i * h + head) * dv, dv);
        }
    }

    /**
     * o[r0 .. r0 + n)[h][v] the textbook way, for one segment: decompress keys and values of every cached position,
     * then attend per head.
     */
    private void naive(ModelWeights.Mla a, int r0, int n, int pos0, float[] cache) {
        int h = s.heads(), qk = s.qkHeadDim(), nope = s.qkNopeDim(), r = s.qkRopeDim(), c = s.kvLoraRank(), dv = s.vHeadDim();
        int kvRow = nope + dv, hd = Math.max(qk, dv), len = pos0 + n;
        if (kvFull == null) {
            kvFull = new float[maxSeq * h * kvRow];
            keysFull = new float[maxSeq * h * hd];
            valuesFull = new float[maxSeq * h * hd];
            qFull = new float[maxBatch * h * hd];
            latentAll = new float[maxSeq * c];
            naiveMm = new Matmul(maxSeq, c, false);
        }
        // [k_nope_h ; v_h] = W_UKV c_kv for every position, then keys [k_nope_h ; k_pe] and values [v_h ; 0].
        for (int p = 0; p < len; p++) System.arraycopy(cache, p * width, latentAll, p * c, c);
        naiveMm.input(latentAll, 0, len, c).multiply(a.wkvB(), kvFull, 0);
        Arrays.fill(keysFull, 0, len * h * hd, 0f);
        Arrays.fill(valuesFull, 0, len * h * hd, 0f);
        for (int p = 0; p < len; p++)
            for (int head = 0; head < h; head++) {
                int kv = (p * h + head) * kvRow, dst = (p * h + head) * hd;
                System.arraycopy(kvFull, kv, keysFull, dst, nope);
                System.arraycopy(cache, p * width + c, keysFull, dst + nope, r);
                System.arraycopy(kvFull, kv + nope, valuesFull, dst, dv);
            }
        Arrays.fill(qFull, 0, n * h * hd, 0f);
        for (int i = 0; i < n * h; i++) {
            System.arraycopy(q, (r0 * h + i) * qk, qFull, i * hd, nope);
            System.arraycopy(qPe, (r0 * h + i) * r, qFull, i * hd + nope, r);
        }
        DecodeAttention.attendMany(qFull, 0, h * hd, n, pos0, keysFull, valuesFull, 0, h * hd, h, h, hd,
                (float) (rope.softmaxFactor() / Math.sqrt(qk)), att, 0, h * hd);
        for (int i = 0; i < n * h; i++) System.arraycopy(att, i * hd, o, (r0 * h + i) * dv, dv);
    }
}
