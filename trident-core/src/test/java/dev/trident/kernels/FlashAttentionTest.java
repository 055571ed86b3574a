package dev.trident.kernels;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.trident.kernels.KernelAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlashAttentionTest {
    /** Runs forward and backward on the given shape and holds every output to the reference. */
    static void checkAgainstReference(long seed, int batch, int seq, int heads, int kvHeads, int headDim) {
        checkAgainstReference(seed, batch, seq, heads, kvHeads, headDim, 1);
    }

    /** qSigma > 1 makes the softmax peaky: later key blocks often raise the running max (the rescale path). */
    static void checkAgainstReference(long seed, int batch, int seq, int heads, int kvHeads, int headDim,
                                      double qSigma) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int qn = batch * seq * heads * headDim, kvn = batch * seq * kvHeads * headDim;
        float[] q = KernelAssert.gaussian(rnd, qn, qSigma), k = KernelAssert.gaussian(rnd, kvn, 1);
        float[] v = KernelAssert.gaussian(rnd, kvn, 1), dOut = KernelAssert.gaussian(rnd, qn, 1);
        float scale = (float) (1 / Math.sqrt(headDim));

        float[] wantOut = new float[qn], wantLse = new float[batch * heads * seq];
        Reference.attentionForward(q, k, v, wantOut, wantLse, batch, seq, heads, kvHeads, headDim, scale);
        float[] out = filled(qn), lse = filled(batch * heads * seq);
        FlashAttention.forward(q, k, v, out, lse, batch, seq, heads, kvHeads, headDim, scale);
        assertClose("out", wantOut, out, 2e-5, 1e-4);
        assertClose("lse", wantLse, lse, 2e-5, 1e-5);

        float[] wantDq = new float[qn], wantDk = new float[kvn], wantDv = new float[kvn];
        Reference.attentionBackward(q, k, v, wantOut, wantLse, dOut, wantDq, wantDk, wantDv,
                batch, seq, heads, kvHeads, headDim, scale);
        float[] dq = filled(qn), dk = filled(kvn), dv = filled(kvn);
        FlashAttention.backward(q, k, v, wantOut, wantLse, dOut, dq, dk, dv, batch, seq, heads, kvHeads, headDim, scale);
        assertClose("dq", wantDq, dq, 5e-5, 2e-4);
        assertClose("dk", wantDk, dk, 5e-5, 2e-4);
        assertClose("dv", wantDv, dv, 5e-5, 2e-4);
    }

    /** Garbage that every kernel output must overwrite. */
    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} Hkv={3} D={4}")
    @CsvSource({
            "1,1,1,1,1",
            "1,5,2,1,3",
            "2,7,4,2,8",      // GQA 2:1 - a wrong head mapping (h % Hkv) differs here
            "1,9,3,3,7",      // partial query tile, D with no full vector
            "2,67,4,1,20",    // crosses a key block boundary (BC = 64), D = 2 vectors + tail
            "1,130,2,2,33",
            "2,64,8,2,16",
            "1,129,6,2,64",   // big enough for the worker pool
            "3,50,4,4,128"})
    void matchesReference(int batch, int seq, int heads, int kvHeads, int headDim) {
        checkAgainstReference(batch * 1_000_003L + seq * 31L + heads * 7L + headDim, batch, seq, heads, kvHeads,
                headDim);
    }

    @Test
    void peakySoftmaxAcrossManyKeyBlocks() {
        checkAgainstReference(77, 1, 300, 2, 1, 16, 6.0);
    }

    @Property(tries = 25, seed = "42")
    void matchesReferenceOnRandomShapes(@ForAll @IntRange(min = 1, max = 3) int batch,
                                        @ForAll @IntRange(min = 1, max = 80) int seq,
                                        @ForAll @IntRange(min = 1, max = 4) int kvHeads,
                                        @ForAll @IntRange(min = 1, max = 3) int group,
                                        @ForAll @IntRange(min = 1, max = 40) int headDim) {
        checkAgainstReference(seq * 131L + headDim, batch, seq, kvHeads * group, kvHeads, headDim);
    }

    /**
     * Long sequence, O(T) memory: at T = 4096 a T x T score matrix would be 64 MiB. (Allocation counters are no
     * use here: before C2 compiles the kernel, the interpreter boxes every vector.) Instead: the kernel's only
     * working memory is its per-thread scratch, which may grow linearly in T (a transposed K and V of one head)
     * but not quadratically, and causality lets us check the first rows against the reference on a short prefix.
     */
    @Test
    void longSequenceUsesLinearScratchAndIsCausal() {
        int seq = 4096, d = 8, prefix = 70;
        SplittableRandom rnd = new SplittableRandom(4096);
        float[] q = KernelAssert.gaussian(rnd, seq * d, 1), k = KernelAssert.gaussian(rnd, seq * d, 1);
        float[] v = KernelAssert.gaussian(rnd, seq * d, 1);
        float[] out = new float[seq * d], lse = new float[seq];
        float scale = 0.35f;
        // One (b, h) pair runs inline on this thread, so this thread's scratch is the one used.
        FlashAttention.forward(q, k, v, out, lse, 1, 16, 1, 1, d, scale);
        long small = FlashAttention.Scratch.floatsHeld();
        FlashAttention.forward(q, k, v, out, lse, 1, seq, 1, 1, d, scale);
        long large = FlashAttention.Scratch.floatsHeld();
        // The scratch may hold a transposed K and V of one head (2 * T * D floats), never T x T scores.
        assertTrue(large <= small + 2L * (seq - 16) * d + 64, "scratch holds " + large + " floats at T = " + seq);
        assertTrue(large < (long) seq * seq / 100, "scratch holds " + large + " floats at T = " + seq);

        float[] wantOut = new float[prefix * d], wantLse = new float[prefix];
        Reference.attentionForward(Arrays.copyOf(q, prefix * d), Arrays.copyOf(k, prefix * d),
                Arrays.copyOf(v, prefix * d), wantOut, wantLse, 1, prefix, 1, 1, d, scale);
        assertClose("prefix out", wantOut, out, prefix * d, 2e-5, 1e-4);
        assertClose("prefix lse", wantLse, lse, prefix, 2e-5, 1e-5);
    }
}
