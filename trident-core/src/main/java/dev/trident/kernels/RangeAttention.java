package dev.trident.kernels;

import java.util.Arrays;

/**
 * Attention where every query row sees one contiguous range of key rows, [lo[i], hi[i]): the masks of the Byte
 * Latent Transformer's cross-attentions are all of this shape (a patch reads the bytes it spans; a byte reads the
 * patch vectors before its own patch). Ranges are short (a patch's bytes, a few patch vectors), so the kernel works
 * row by row with vector dot products and keeps each row's scores in a small per-thread buffer; nothing is T^2.
 *
 * <p>Layout: q and out are [Nq, H*D], k and v are [Nk, Hkv*D]; query head h reads kv head h / (H / Hkv). An empty
 * range gives a zero output row and lse = -inf. Contract of {@link Reference#rangeAttentionForward} and
 * {@link Reference#rangeAttentionBackward}.
 *
 * <p>Forward, per (row i, head h): s_u = scale q_i . k_u for u in the range, p = softmax(s), out_i = sum_u p_u v_u,
 * lse_i = log sum_u exp(s_u). Backward recomputes p = exp(s - lse): delta = dO_i . O_i, dV_u += p_u dO_i,
 * dS_u = p_u (dO_i . v_u - delta), dQ_i = scale sum_u dS_u k_u, dK_u += scale dS_u q_i.
 */
public final class RangeAttention {
    private static final ThreadLocal<float[][]> SCORES = ThreadLocal.withInitial(() -> new float[][]{new float[64]});

    private RangeAttention() {}

    public static void forward(float[] q, float[] k, float[] v, int[] lo, int[] hi, float[] out, float[] lse,
                               int rows, int heads, int kvHeads, int headDim, float scale) {
        check(heads, kvHeads);
        int qStride = heads * headDim, kvStride = kvHeads * headDim, group = heads / kvHeads;
        long work = 4L * headDim * heads * Math.max(1, averageRange(lo, hi, rows));
        Parallel.forRange(rows, work, (r0, r1, worker) -> {
            for (int i = r0; i < r1; i++) {
                int n = hi[i] - lo[i];
                float[] s = scores(n);
                for (int h = 0; h < heads; h++) {
                    int qo = i * qStride + h * headDim, kvo = (h / group) * headDim;
                    Arrays.fill(out, qo, qo + headDim, 0f);
                    if (n <= 0) {
                        lse[i * heads + h] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    for (int u = 0; u < n; u++) s[u] = scale * VecMath.dot(q, qo, k, (lo[i] + u) * kvStride + kvo, headDim);
                    float m = VecMath.max(s, 0, n);
                    float sum = VecMath.expShiftSum(s, 0, s, 0, n, m);
                    float inv = 1f / sum;
                    for (int u = 0; u < n; u++) VecMath.axpy(s[u] * inv, v, (lo[i] + u) * kvStride + kvo, out, qo, headDim);
                    lse[i * heads + h] = m + (float) Math.log(sum);
                }
            }
        });
    }

    /**
     * dq, dk and dv are overwritten. Parallel over kv heads: the query heads of one kv head write disjoint columns
     * of dq and the only columns of dk, dv that head owns, so there is a single writer per element.
     */
    public static void backward(float[] q, float[] k, float[] v, int[] lo, int[] hi, float[] out, float[] lse,
                                float[] dOut, float[] dq, float[] dk, float[] dv,
                                int rows, int keys, int heads, int kvHeads, int headDim, float scale) {
        check(heads, kvHeads);
        int qStride = heads * headDim, kvStride = kvHeads * headDim, group = heads / kvHeads;
        Arrays.fill(dq, 0, rows * qStride, 0f);
        Arrays.fill(dk, 0, keys * kvStride, 0f);
        Arrays.fill(dv, 0, keys * kvStride, 0f);
        long work = 8L * headDim * group * rows * Math.max(1, averageRange(lo, hi, rows));
        Parallel.forRange(kvHeads, work, (g0, g1, worker) -> {
            for (int g = g0; g < g1; g++) {
                int kvo = g * headDim;
                for (int i = 0; i < rows; i++) {
                    int n = hi[i] - lo[i];
                    if (n <= 0) continue;
                    float[] s = scores(n);
                    for (int h = g * group; h < (g + 1) * group; h++) {
                        int qo = i * qStride + h * headDim;
                        float l = lse[i * heads + h];
                        float delta = VecMath.dot(dOut, qo, out, qo, headDim);
                        for (int u = 0; u < n; u++) {
                            int ko = (lo[i] + u) * kvStride + kvo;
                            float p = (float) Math.exp(scale * VecMath.dot(q, qo, k, ko, headDim) - l);
                            VecMath.axpy(p, dOut, qo, dv, ko, headDim);
                            s[u] = scale * p * (VecMath.dot(dOut, qo, v, ko, headDim) - delta); // scale * dS
                        }
                        for (int u = 0; u < n; u++) {
                            int ko = (lo[i] + u) * kvStride + kvo;
                            VecMath.axpy(s[u], k, ko, dq, qo, headDim);
                            VecMath.axpy(s[u], q, qo, dk, ko, headDim);
                        }
                    }
                }
            }
        });
    }

    private static float[] scores(int n) {
        float[][] holder = SCORES.get();
        if (holder[0].length < n) holder[0] = new float[Math.max(n, 2 * holder[0].length)];
        return holder[0];
    }

    private static long averageRange(int[] lo, int[] hi, int rows) {
        long total = 0;
        for (int i = 0; i < rows; i++) total += Math.max(0, hi[i] - lo[i]);
        return rows == 0 ? 0 : total / rows;
    }

    private static void check(int heads, int kvHeads) {
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
    }
}
