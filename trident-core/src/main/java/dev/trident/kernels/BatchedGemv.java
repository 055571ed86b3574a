package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * y[i, j] = sum_k W[j, k] x[i, k] for a handful of token rows x (2 to ~8) against a weight W [rows, cols]: the
 * shape of verifying speculative drafts or decoding a small batch. Each weight row is read once per group of up to
 * eight token rows, where a GEMM would first copy (pack) the whole weight matrix. Same contract as
 * {@link Reference#sgemm} with transB for these shapes.
 */
public final class BatchedGemv {
    private static final int MIN_PARALLEL_ROWS = 64;

    /*
     * TREE: VecMath.sum adds a 16-lane vector to its rotations by 8, 4, 2, 1, so a row's sum is
     * ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)) with p_i = v_i + v_{i+8}. eight and four form the same
     * sums for several rows together: at each level two vectors are blended (half the lanes from each) and the
     * other halves, swapped into place by lane index XOR 8, 4, 2, 1, are added: the same additions, pairwise, with
     * fewer operations than one reduction per row (float addition is commutative, so the results are identical).
     */
    private static final VectorMask<Float> BIT8 = laneBit(8), BIT4 = laneBit(4), BIT2 = laneBit(2);
    private static final VectorShuffle<Float> XOR8 = xor(8), XOR4 = xor(4), XOR2 = xor(2), XOR1 = xor(1);

    /** The lanes whose index has this bit set (bit 8: lanes 8-15; 4: 4-7 and 12-15; 2: 2, 3, 6, 7, ...). */
    private static VectorMask<Float> laneBit(int bit) {
        long m = 0;
        for (int i = 0; i < Simd.LANES; i++) if ((i & bit) != 0) m |= 1L << i;
        return VectorMask.fromLong(Simd.F, m);
    }

    private static VectorShuffle<Float> xor(int bit) {
        return VectorShuffle.fromOp(Simd.F, i -> (i ^ bit) % Simd.LANES);
    }

    private BatchedGemv() {}

    /** y [n, rows] (row stride rows) = x [n, cols] W^T. */
    public static void multiply(int n, int rows, int cols, float[] w, float[] x, int xOff, float[] y, int yOff) {
        multiply(n, rows, cols, w, 0, x, xOff, y, yOff);
    }

    /** The same with W starting at w[wOff]. */
    public static void multiply(int n, int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        if (!worthThreads(n, rows, cols)) {
            rows(n, rows, cols, w, wOff, x, xOff, y, yOff, 0, rows);
        } else {
            WorkerPool.global().parallelFor(rows, (from, to, worker) -> rows(n, rows, cols, w, wOff, x, xOff, y, yOff, from, to));
        }
    }

    /** Whether a product of this shape is big enough to split over threads. */
    public static boolean worthThreads(int n, int rows, int cols) {
        return rows >= MIN_PARALLEL_ROWS && (long) n * rows * cols >= (1 << 16);
    }

    /**
     * Rows [from, to) of W only, on the calling thread (callers that split the rows themselves). Token rows go in
     * groups of up to eight, each group one pass over the weight rows; a group of 5-7 (or 3) runs the 8-row (4-row)
     * kernel with its spare slots repeating its last row, so W is still read once per group.
     */
    public static void rows(int n, int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
                            int from, int to) {
        for (int i = 0; i < n; ) {
            int g = n - i, last = g - 1;
            if (g == 1) {
                one(rows, cols, w, wOff, x, xOff + i * cols, y, yOff + i * rows, from, to);
                i++;
            } else if (g == 2) { // speculative verification of one draft: no spare slots to compute
                two(rows, cols, w, wOff, x, y, from, to, xOff + i * cols, xOff + (i + 1) * cols, yOff + i * rows, yOff + (i + 1) * rows);
                i += 2;
            } else if (g <= 4) {
                int x0 = xOff + i * cols, y0 = yOff + i * rows;
                four(rows, cols, w, wOff, x, y, from, to,
                        x0, x0 + Math.min(1, last) * cols, x0 + Math.min(2, last) * cols, x0 + Math.min(3, last) * cols,
                        y0, y0 + Math.min(1, last) * rows, y0 + Math.min(2, last) * rows, y0 + Math.min(3, last) * rows);
                i += g;
            } else {
                int x0 = xOff + i * cols, y0 = yOff + i * rows;
                last = Math.min(last, 7);
                eight(rows, cols, w, wOff, x, y, from, to,
                        x0, x0 + cols, x0 + 2 * cols, x0 + 3 * cols, x0 + 4 * cols,
                        x0 + Math.min(5, last) * cols, x0 + Math.min(6, last) * cols, x0 + Math.min(7, last) * cols,
                        y0, y0 + rows, y0 + 2 * rows, y0 + 3 * rows, y0 + 4 * rows,
                        y0 + Math.min(5, last) * rows, y0 + Math.min(6, last) * rows, y0 + Math.min(7, last) * rows);
                i += last + 1;
            }
        }
    }

    /**
     * Eight token rows (at x offsets x0..x7, results at y offsets y0..y7) per pass over each weight row: the weight
     * vector is loaded once for eight FMAs. Each row's sum is formed exactly as {@link #one} forms it (lane-wise FMA
     * over k, {@link VecMath#sum}, then the scalar tail), so a row's result does not depend on its neighbours.
     */
    private static void eight(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                              int x0, int x1, int x2, int x3, int x4, int x5, int x6, int x7,
                              int y0, int y1, int y2, int y3, int y4, int y5, int y6, int y7) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k);
                a0 = FloatVector.fromArray(f, x, x0 + k).fma(wv, a0);
                a1 = FloatVector.fromArray(f, x, x1 + k).fma(wv, a1);
                a2 = FloatVector.fromArray(f, x, x2 + k).fma(wv, a2);
                a3 = FloatVector.fromArray(f, x, x3 + k).fma(wv, a3);
                a4 = FloatVector.fromArray(f, x, x4 + k).fma(wv, a4);
                a5 = FloatVector.fromArray(f, x, x5 + k).fma(wv, a5);
                a6 = FloatVector.fromArray(f, x, x6 + k).fma(wv, a6);
                a7 = FloatVector.fromArray(f, x, x7 + k).fma(wv, a7);
            }
            float s0, s1, s2, s3, s4, s5, s6, s7;
            if (lanes == 16) {
                // The eight lane sums at once, each in VecMath.sum's tree order (see TREE): rotate-by-8 pairs (a0, a1)
                FloatVector c01 = a0.blend(a1, BIT8).add(a1.blend(a0, BIT8).rearrange(XOR8)),
                        c23 = a2.blend(a3, BIT8).add(a3.blend(a2, BIT8).rearrange(XOR8)),
                        c45 = a4.blend(a5, BIT8).add(a5.blend(a4, BIT8).rearrange(XOR8)),
                        c67 = a6.blend(a7, BIT8).add(a7.blend(a6, BIT8).rearrange(XOR8));
                FloatVector d0 = c01.blend(c23, BIT4).add(c23.blend(c01, BIT4).rearrange(XOR4)),
                        d1 = c45.blend(c67, BIT4).add(c67.blend(c45, BIT4).rearrange(XOR4));
                FloatVector e = d0.blend(d1, BIT2).add(d1.blend(d0, BIT2).rearrange(XOR2));
                FloatVector t = e.add(e.rearrange(XOR1));
                s0 = t.lane(0); s4 = t.lane(2); s2 = t.lane(4); s6 = t.lane(6); s1 = t.lane(8); s5 = t.lane(10); s3 = t.lane(12); s7 = t.lane(14);
            } else {
                s0 = VecMath.sum(a0); s1 = VecMath.sum(a1); s2 = VecMath.sum(a2); s3 = VecMath.sum(a3);
                s4 = VecMath.sum(a4); s5 = VecMath.sum(a5); s6 = VecMath.sum(a6); s7 = VecMath.sum(a7);
            }
            for (; k < cols; k++) {
                float wk = w[wo + k];
                s0 += x[x0 + k] * wk;
                s1 += x[x1 + k] * wk;
                s2 += x[x2 + k] * wk;
                s3 += x[x3 + k] * wk;
                s4 += x[x4 + k] * wk;
                s5 += x[x5 + k] * wk;
                s6 += x[x6 + k] * wk;
                s7 += x[x7 + k] * wk;
            }
            y[y0 + j] = s0;
            y[y1 + j] = s1;
            y[y2 + j] = s2;
            y[y3 + j] = s3;
            y[y4 + j] = s4;
            y[y5 + j] = s5;
            y[y6 + j] = s6;
            y[y7 + j] = s7;
        }
    }

    /** {@link #eight} for four token rows. */
    private static void four(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                             int x0, int x1, int x2, int x3, int y0, int y1, int y2, int y3) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k);
                a0 = FloatVector.fromArray(f, x, x0 + k).fma(wv, a0);
                a1 = FloatVector.fromArray(f, x, x1 + k).fma(wv, a1);
                a2 = FloatVector.fromArray(f, x, x2 + k).fma(wv, a2);
                a3 = FloatVector.fromArray(f, x, x3 + k).fma(wv, a3);
            }
            float s0, s1, s2, s3;
            if (lanes == 16) { // as in eight
                FloatVector c01 = a0.blend(a1, BIT8).add(a1.blend(a0, BIT8).rearrange(XOR8)),
                        c23 = a2.blend(a3, BIT8).add(a3.blend(a2, BIT8).rearrange(XOR8));
                FloatVector d = c01.blend(c23, BIT4).add(c23.blend(c01, BIT4).rearrange(XOR4));
                FloatVector e = d.add(d.rearrange(XOR2));
                FloatVector t = e.add(e.rearrange(XOR1));
                s0 = t.lane(0); s2 = t.lane(4); s1 = t.lane(8); s3 = t.lane(12);
            } else {
                s0 = VecMath.sum(a0); s1 = VecMath.sum(a1); s2 = VecMath.sum(a2); s3 = VecMath.sum(a3);
            }
            for (; k < cols; k++) {
                float wk = w[wo + k];
                s0 += x[x0 + k] * wk;
                s1 += x[x1 + k] * wk;
                s2 += x[x2 + k] * wk;
                s3 += x[x3 + k] * wk;
            }
            y[y0 + j] = s0;
            y[y1 + j] = s1;
            y[y2 + j] = s2;
            y[y3 + j] = s3;
        }
    }

    /** {@link #eight} for two token rows. */
    private static void two(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                            int x0, int x1, int y0, int y1) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k);
                a0 = FloatVector.fromArray(f, x, x0 + k).fma(wv, a0);
                a1 = FloatVector.fromArray(f, x, x1 + k).fma(wv, a1);
            }
            float s0 = VecMath.sum(a0), s1 = VecMath.sum(a1);
            for (; k < cols; k++) {
                float wk = w[wo + k];
                s0 += x[x0 + k] * wk;
                s1 += x[x1 + k] * wk;
            }
            y[y0 + j] = s0;
            y[y1 + j] = s1;
        }
    }

    /**
     * One token row, one weight row at a time. (Four weight rows side by side, sharing each token-vector load, were
     * tried: as fast with W in cache, but 2.5x slower streaming W from memory, 8 vs 20 GB/s per core: four
     * interleaved streams 1 KB apart defeat the hardware prefetcher, one row after another is a single stream.)
     */
    private static void one(int rows, int cols, float[] w, int wOff, float[] x, int x0, float[] y, int y0, int from, int to) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a = FloatVector.zero(f);
            int k = 0;
            for (; k <= bound; k += lanes) a = FloatVector.fromArray(f, x, x0 + k).fma(FloatVector.fromArray(f, w, wo + k), a);
            float s = VecMath.sum(a);
            for (; k < cols; k++) s += x[x0 + k] * w[wo + k];
            y[y0 + j] = s;
        }
    }
}
