package dev.trident.kernels;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;

class RangeAttentionTest {
    /** Random ranges (some empty) over `keys` rows; forward and backward held to the scalar reference. */
    static void check(long seed, int rows, int keys, int heads, int kvHeads, int headDim) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] lo = new int[rows], hi = new int[rows];
        for (int i = 0; i < rows; i++) {
            int a = rnd.nextInt(keys + 1), b = rnd.nextInt(keys + 1);
            lo[i] = Math.min(a, b);
            hi[i] = rnd.nextInt(5) == 0 ? lo[i] : Math.max(a, b); // one in five empty
        }
        int qn = rows * heads * headDim, kn = keys * kvHeads * headDim;
        float[] q = KernelAssert.gaussian(rnd, qn, 1.5), k = KernelAssert.gaussian(rnd, kn, 1);
        float[] v = KernelAssert.gaussian(rnd, kn, 1), dOut = KernelAssert.gaussian(rnd, qn, 1);
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] wantOut = new float[qn], wantLse = new float[rows * heads];
        Reference.rangeAttentionForward(q, k, v, lo, hi, wantOut, wantLse, rows, heads, kvHeads, headDim, scale);
        float[] out = nan(qn), lse = nan(rows * heads);
        RangeAttention.forward(q, k, v, lo, hi, out, lse, rows, heads, kvHeads, headDim, scale);
        assertClose("out", wantOut, out, 2e-5, 1e-4);
        assertClose("lse", wantLse, lse, 2e-5, 1e-5);

        float[] wq = new float[qn], wk = new float[kn], wv = new float[kn];
        Reference.rangeAttentionBackward(q, k, v, lo, hi, wantOut, wantLse, dOut, wq, wk, wv, rows, keys, heads, kvHeads, headDim, scale);
        float[] dq = nan(qn), dk = nan(kn), dv = nan(kn);
        RangeAttention.backward(q, k, v, lo, hi, wantOut, wantLse, dOut, dq, dk, dv, rows, keys, heads, kvHeads, headDim, scale);
        assertClose("dq", wq, dq, 5e-5, 2e-4);
        assertClose("dk", wk, dk, 5e-5, 2e-4);
        assertClose("dv", wv, dv, 5e-5, 2e-4);
    }

    private static float[] nan(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    @Property(tries = 25, seed = "11")
    void matchesReferenceOnRandomShapes(@ForAll @IntRange(min = 1, max = 40) int rows,
                                        @ForAll @IntRange(min = 1, max = 50) int keys,
                                        @ForAll @IntRange(min = 1, max = 3) int kvHeads,
                                        @ForAll @IntRange(min = 1, max = 2) int group,
                                        @ForAll @IntRange(min = 1, max = 37) int headDim) {
        check(rows * 7919L + keys * 31L + headDim, rows, keys, kvHeads * group, kvHeads, headDim);
    }

    @Test
    void bigEnoughForTheWorkerPool() {
        check(5, 700, 300, 4, 2, 32);
    }

    /** A sliding window as wide as the sequence is plain causal attention: the two kernels agree. */
    @Test
    void fullWindowEqualsCausalFlashAttention() {
        int batch = 2, seq = 37, heads = 4, kvHeads = 2, d = 16;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] q = KernelAssert.gaussian(rnd, batch * seq * heads * d, 1);
        float[] k = KernelAssert.gaussian(rnd, batch * seq * kvHeads * d, 1), v = KernelAssert.gaussian(rnd, batch * seq * kvHeads * d, 1);
        int[][] r = dev.trident.autograd.BltOps.slidingWindow(batch, seq, seq);
        float[] a = new float[q.length], b = new float[q.length];
        FlashAttention.forward(q, k, v, a, new float[batch * heads * seq], batch, seq, heads, kvHeads, d, 0.25f);
        RangeAttention.forward(q, k, v, r[0], r[1], b, new float[batch * seq * heads], batch * seq, heads, kvHeads, d, 0.25f);
        assertClose("causal", a, b, 2e-5, 1e-4);
    }
}
