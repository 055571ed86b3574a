package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * Causal grouped-query attention with an online softmax (memory does not grow with T^2); contract of
 * {@link Reference#attentionForward} / {@link Reference#attentionBackward}.
 *
 * <p>Layout: q and out are [B*T, H*D], k and v are [B*T, Hkv*D]; query head h reads kv head h / (H / Hkv).
 *
 * <p>Memory: besides the outputs, only {@code lse} (B*H*T floats) is kept between forward and backward. The working
 * set per thread is a tile of {@link #BR} query rows x {@link #BC} keys of scores, BR accumulator rows of D floats,
 * and one head's K and V transposed to [D, T] (so that scores are vector FMAs across keys instead of dot products
 * with horizontal sums), held in a per-thread {@link Scratch} that is allocated once and reused: O(T*D) per thread,
 * nothing O(T^2).
 *
 * <p>Forward (per (b, h), per tile of BR query rows, FlashAttention-2): for each key block j, S = scale * Q K_j^T
 * (causal mask: -inf where key > query), m' = max(m, rowmax S), P = exp(S - m'), l = l * exp(m - m') + rowsum P,
 * O = O * exp(m - m') + P V_j; at the end O /= l and lse = m + log l.
 *
 * <p>Backward recomputes P = exp(S - lse) tile by tile: delta = rowsum(dO * O), dV_j += P^T dO, dP = dO V_j^T,
 * dS = P * (dP - delta), dQ += scale * dS K_j, dK_j += scale * dS^T Q.
 */
public final class FlashAttention {
    /** Query rows per tile: the register tiling of {@link AttentionTiles} is four rows. */
    static final int BR = 4;
    /** Keys per block: a BR x BC score tile (1 KiB) stays in L1. */
    static final int BC = 64;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FlashAttention() {}

    /** Per-thread working memory, grown to the largest head dimension seen and then reused across calls. */
    static final class Scratch {
        final float[] s = new float[BR * BC];   // scores, then probabilities P
        final float[] dp = new float[BR * BC];  // dP, then scale * dS
        final float[] m = new float[BR], l = new float[BR], delta = new float[BR], lse = new float[BR];
        float[] acc = new float[0];             // BR rows of D: O in the forward pass, dQ in the backward
        float[] kT = new float[0], vT = new float[0]; // one head's K (and V) transposed to [D, T rounded up]

        /** Floats held by this thread's scratch (for tests: must not depend on the sequence length). */
        static long floatsHeld() {
            Scratch sc = SCRATCH.get();
            return sc.s.length + sc.dp.length + 4L * BR + sc.acc.length + sc.kT.length + sc.vT.length;
        }

        static Scratch get(int headDim, int seq) {
            Scratch sc = SCRATCH.get();
            if (sc.acc.length < BR * headDim) sc.acc = new float[BR * headDim];
            int need = headDim * paddedSeq(seq);
            if (sc.kT.length < need) {
                sc.kT = new float[need];
                sc.vT = new float[need];
            }
            return sc;
        }
    }

    public static void forward(float[] q, float[] k, float[] v, float[] out, float[] lse,
                               int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        checkShape(heads, kvHeads);
        long work = (long) seq * seq * headDim * 2; // ~flops of one (b, h) pair (causal half of 4 T^2 D)
        Parallel.forRange(batch * heads, work, (p0, p1, worker) -> {
            Scratch sc = Scratch.get(headDim, seq);
            for (int p = p0; p < p1; p++) {
                forwardHead(q, k, v, out, lse, p / heads, p % heads, seq, heads, kvHeads, headDim, scale, sc);
            }
        });
    }

    /**
     * dq, dk, dv are overwritten. Parallel over (b, kv head) pairs: all query heads sharing a kv head run on the
     * same thread, so dK and dV rows have a single writer and need no reduction.
     */
    public static void backward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dOut,
                                float[] dq, float[] dk, float[] dv,
                                int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        checkShape(heads, kvHeads);
        int group = heads / kvHeads;
        long work = (long) seq * seq * headDim * 5L * group;
        Parallel.forRange(batch * kvHeads, work, (p0, p1, worker) -> {
            Scratch sc = Scratch.get(headDim, seq);
            int tp = paddedSeq(seq);
            for (int p = p0; p < p1; p++) {
                int b = p / kvHeads, kvh = p % kvHeads;
                clearKv(dk, dv, b, kvh, seq, kvHeads, headDim);
                int kvBase = b * seq * kvHeads * headDim + kvh * headDim;
                AttentionTiles.transpose(k, kvBase, kvHeads * headDim, seq, headDim, sc.kT, tp);
                AttentionTiles.transpose(v, kvBase, kvHeads * headDim, seq, headDim, sc.vT, tp);
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    backwardHead(q, k, v, out, lse, dOut, dq, dk, dv, b, h, seq, heads, kvHeads, headDim, scale, sc);
                }
            }
        });
    }

    private static void checkShape(int heads, int kvHeads) {
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
    }

    private static void forwardHead(float[] q, float[] k, float[] v, float[] out, float[] lse,
                                    int b, int h, int seq, int heads, int kvHeads, int d, float scale, Scratch sc) {
        int qStride = heads * d, kvStride = kvHeads * d;
        int qBase = b * seq * qStride + h * d;
        int kvBase = b * seq * kvStride + (h / (heads / kvHeads)) * d;
        float[] s = sc.s, m = sc.m, l = sc.l, acc = sc.acc, kT = sc.kT;
        int tp = paddedSeq(seq);
        AttentionTiles.transpose(k, kvBase, kvStride, seq, d, kT, tp);
        for (int t0 = 0; t0 < seq; t0 += BR) {
            int rows = Math.min(BR, seq - t0);
            int q0 = rowOff(qBase, qStride, t0, 0, rows), q1 = rowOff(qBase, qStride, t0, 1, rows);
            int q2 = rowOff(qBase, qStride, t0, 2, rows), q3 = rowOff(qBase, qStride, t0, 3, rows);
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            Arrays.fill(l, 0f);
            Arrays.fill(acc, 0, BR * d, 0f);
            int keys = t0 + rows; // causal: the tile's last row sees keys [0, t0 + rows)
            for (int u0 = 0; u0 < keys; u0 += BC) {
                int n = Math.min(BC, keys - u0);
                AttentionTiles.scores4(q, q0, q1, q2, q3, kT, u0, tp, d, n, scale, s, 0, BC);      // S = scale Q K^T
                maskTile(s, t0, rows, u0, n);
                for (int i = rows; i < BR; i++) Arrays.fill(s, i * BC, i * BC + n, 0f); // padding rows: P = 0
                for (int i = 0; i < rows; i++) {
                    int si = i * BC;
                    float mNew = Math.max(m[i], VecMath.max(s, si, n));
                    float corr = (float) Math.exp(m[i] - mNew);          // exp(-inf) = 0 on the first block
                    float rowSum = VecMath.expShiftSum(s, si, s, si, n, mNew); // s <- P
                    l[i] = l[i] * corr + rowSum;
                    if (corr != 1f) VecMath.scale(acc, i * d, d, corr);
                    m[i] = mNew;
                }
                AttentionTiles.rowsTimesMatrix(s, 0, BC, v, kvBase + u0 * kvStride, kvStride, n,
                        acc, 0, d, 2 * d, 3 * d, d);
            }
            for (int i = 0; i < rows; i++) {
                int o = qBase + (t0 + i) * qStride;
                float inv = 1f / l[i];
                for (int x = 0; x < d; x++) out[o + x] = acc[i * d + x] * inv;
                if (lse != null) lse[(b * heads + h) * seq + t0 + i] = m[i] + (float) Math.log(l[i]);
            }
        }
    }

    private static void backwardHead(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dOut,
                                     float[] dq, float[] dk, float[] dv,
                                     int b, int h, int seq, int heads, int kvHeads, int d, float scale, Scratch sc) {
        int qStride = heads * d, kvStride = kvHeads * d;
        int qBase = b * seq * qStride + h * d;
        int kvBase = b * seq * kvStride + (h / (heads / kvHeads)) * d;
        int lseBase = (b * heads + h) * seq;
        float[] s = sc.s, dp = sc.dp, delta = sc.delta, rowLse = sc.lse, dqTile = sc.acc;
        int tp = paddedSeq(seq); // K and V of this kv head were transposed into sc.kT / sc.vT by the caller
        for (int t0 = 0; t0 < seq; t0 += BR) {
            int rows = Math.min(BR, seq - t0);
            int q0 = rowOff(qBase, qStride, t0, 0, rows), q1 = rowOff(qBase, qStride, t0, 1, rows);
            int q2 = rowOff(qBase, qStride, t0, 2, rows), q3 = rowOff(qBase, qStride, t0, 3, rows);
            for (int i = 0; i < rows; i++) {
                int o = qBase + (t0 + i) * qStride;
                delta[i] = VecMath.dot(dOut, o, out, o, d);   // delta = rowsum(dO * O)
                rowLse[i] = lse[lseBase + t0 + i];
            }
            Arrays.fill(dqTile, 0, BR * d, 0f);
            int keys = t0 + rows;
            for (int u0 = 0; u0 < keys; u0 += BC) {
                int n = Math.min(BC, keys - u0);
                AttentionTiles.scores4(q, q0, q1, q2, q3, sc.kT, u0, tp, d, n, scale, s, 0, BC);  // S
                AttentionTiles.scores4(dOut, q0, q1, q2, q3, sc.vT, u0, tp, d, n, 1f, dp, 0, BC); // dP = dO V^T
                maskTile(s, t0, rows, u0, n);
                for (int i = 0; i < BR; i++) {
                    int si = i * BC;
                    if (i >= rows) {                                  // padding rows contribute nothing
                        Arrays.fill(s, si, si + n, 0f);
                        Arrays.fill(dp, si, si + n, 0f);
                        continue;
                    }
                    VecMath.expShiftSum(s, si, s, si, n, rowLse[i]);  // P = exp(S - lse)
                    softmaxGrad(s, dp, si, n, delta[i], scale);
                }
                int kv0 = kvBase + u0 * kvStride;
                AttentionTiles.matrixTransposeTimesRows(s, BC, dOut, q0, q1, q2, q3, n, dv, kv0, kvStride, d);
                AttentionTiles.matrixTransposeTimesRows(dp, BC, q, q0, q1, q2, q3, n, dk, kv0, kvStride, d);
                AttentionTiles.rowsTimesMatrix(dp, 0, BC, k, kv0, kvStride, n, dqTile, 0, d, 2 * d, 3 * d, d);
            }
            for (int i = 0; i < rows; i++) System.arraycopy(dqTile, i * d, dq, qBase + (t0 + i) * qStride, d);
        }
    }

    /** dp <- scale * dS = scale * P * (dP - delta) over [off, off + n). */
    private static void softmaxGrad(float[] p, float[] dp, int off, int n, float delta, float scale) {
        var f = VecMath.F;
        int j = 0;
        for (int bound = n - VecMath.L; j <= bound; j += VecMath.L) {
            FloatVector pv = FloatVector.fromArray(f, p, off + j).mul(scale);
            pv.mul(FloatVector.fromArray(f, dp, off + j).sub(delta)).intoArray(dp, off + j);
        }
        for (; j < n; j++) dp[off + j] = scale * p[off + j] * (dp[off + j] - delta);
    }

    /** Causal mask on a score tile: row t0+i may not see key u0+j > t0+i. */
    private static void maskTile(float[] s, int t0, int rows, int u0, int n) {
        if (u0 + n - 1 <= t0) return; // block entirely at or below the diagonal of the tile's first row
        for (int i = 0; i < rows; i++) {
            int first = Math.max(0, t0 + i + 1 - u0);
            if (first < n) Arrays.fill(s, i * BC + first, i * BC + n, Float.NEGATIVE_INFINITY);
        }
    }

    /** Columns of a transposed K or V: T rounded up to whole vectors (the padding holds zeros). */
    static int paddedSeq(int seq) {
        return (seq + VecMath.L - 1) / VecMath.L * VecMath.L;
    }

    /** Offset of tile row i, or of the tile's last real row for padding rows (reads only). */
    private static int rowOff(int base, int stride, int t0, int i, int rows) {
        return base + (t0 + Math.min(i, rows - 1)) * stride;
    }

    private static void clearKv(float[] dk, float[] dv, int b, int kvh, int seq, int kvHeads, int d) {
        int kvStride = kvHeads * d;
        for (int t = 0; t < seq; t++) {
            int o = (b * seq + t) * kvStride + kvh * d;
            Arrays.fill(dk, o, o + d, 0f);
            Arrays.fill(dv, o, o + d, 0f);
        }
    }
}
