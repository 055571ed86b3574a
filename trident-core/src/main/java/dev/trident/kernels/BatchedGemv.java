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

    /*
     * PAIRS: a kernel loads every token vector once per weight vector, so with one weight row at a time it is bound
     * by its loads (1 + n per n FMAs). Two weight rows at once share the token loads, and two rows half the range
     * apart stream through different pages: two streams within a page (neighbouring rows of a 256-wide matrix are 1
     * KB apart) defeat the hardware prefetcher and ran 2.3x slower from L3, while rows half the range apart cost the
     * same as one stream. Each (weight row, token row) sum is still one FMA chain over k in order: pairing changes no
     * result.
     */

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
     * Weight rows go two at a time, half the range apart (see PAIRS).
     */
    private static void eight(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                              int x0, int x1, int x2, int x3, int x4, int x5, int x6, int x7,
                              int y0, int y1, int y2, int y3, int y4, int y5, int y6, int y7) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes, half = (to - from) / 2, pairs = half + ((to - from) & 1);
        for (int i = 0; i < pairs; i++) {
            int j = i < half ? from + i : to - 1, jq = i < half ? j + half : j; // an odd last row pairs with itself
            int wo = wOff + j * cols, wp = wOff + jq * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k), wq = FloatVector.fromArray(f, w, wp + k);
                FloatVector u0 = FloatVector.fromArray(f, x, x0 + k);
                a0 = u0.fma(wv, a0);
                c0 = u0.fma(wq, c0);
                FloatVector u1 = FloatVector.fromArray(f, x, x1 + k);
                a1 = u1.fma(wv, a1);
                c1 = u1.fma(wq, c1);
                FloatVector u2 = FloatVector.fromArray(f, x, x2 + k);
                a2 = u2.fma(wv, a2);
                c2 = u2.fma(wq, c2);
                FloatVector u3 = FloatVector.fromArray(f, x, x3 + k);
                a3 = u3.fma(wv, a3);
                c3 = u3.fma(wq, c3);
                FloatVector u4 = FloatVector.fromArray(f, x, x4 + k);
                a4 = u4.fma(wv, a4);
                c4 = u4.fma(wq, c4);
                FloatVector u5 = FloatVector.fromArray(f, x, x5 + k);
                a5 = u5.fma(wv, a5);
                c5 = u5.fma(wq, c5);
                FloatVector u6 = FloatVector.fromArray(f, x, x6 + k);
                a6 = u6.fma(wv, a6);
                c6 = u6.fma(wq, c6);
                FloatVector u7 = FloatVector.fromArray(f, x, x7 + k);
                a7 = u7.fma(wv, a7);
                c7 = u7.fma(wq, c7);
            }
            float s0, s1, s2, s3, s4, s5, s6, s7;
            if (lanes == 16) {
                // The eight lane sums at once, each in VecMath.sum's tree order (see TREE)
                FloatVector a01 = a0.blend(a1, BIT8).add(a1.blend(a0, BIT8).rearrange(XOR8)),
                        a23 = a2.blend(a3, BIT8).add(a3.blend(a2, BIT8).rearrange(XOR8)),
                        a45 = a4.blend(a5, BIT8).add(a5.blend(a4, BIT8).rearrange(XOR8)),
                        a67 = a6.blend(a7, BIT8).add(a7.blend(a6, BIT8).rearrange(XOR8));
                FloatVector ad0 = a01.blend(a23, BIT4).add(a23.blend(a01, BIT4).rearrange(XOR4)),
                        ad1 = a45.blend(a67, BIT4).add(a67.blend(a45, BIT4).rearrange(XOR4));
                FloatVector ae = ad0.blend(ad1, BIT2).add(ad1.blend(ad0, BIT2).rearrange(XOR2));
                FloatVector at = ae.add(ae.rearrange(XOR1));
                s0 = at.lane(0); s4 = at.lane(2); s2 = at.lane(4); s6 = at.lane(6); s1 = at.lane(8); s5 = at.lane(10); s3 = at.lane(12); s7 = at.lane(14);
            } else {
                s0 = VecMath.sum(a0); s1 = VecMath.sum(a1); s2 = VecMath.sum(a2); s3 = VecMath.sum(a3);
                s4 = VecMath.sum(a4); s5 = VecMath.sum(a5); s6 = VecMath.sum(a6); s7 = VecMath.sum(a7);
            }
            float t0, t1, t2, t3, t4, t5, t6, t7;
            if (lanes == 16) {
                // The eight lane sums at once, each in VecMath.sum's tree order (see TREE)
                FloatVector c01 = c0.blend(c1, BIT8).add(c1.blend(c0, BIT8).rearrange(XOR8)),
                        c23 = c2.blend(c3, BIT8).add(c3.blend(c2, BIT8).rearrange(XOR8)),
                        c45 = c4.blend(c5, BIT8).add(c5.blend(c4, BIT8).rearrange(XOR8)),
                        c67 = c6.blend(c7, BIT8).add(c7.blend(c6, BIT8).rearrange(XOR8));
                FloatVector cd0 = c01.blend(c23, BIT4).add(c23.blend(c01, BIT4).rearrange(XOR4)),
                        cd1 = c45.blend(c67, BIT4).add(c67.blend(c45, BIT4).rearrange(XOR4));
                FloatVector ce = cd0.blend(cd1, BIT2).add(cd1.blend(cd0, BIT2).rearrange(XOR2));
                FloatVector ct = ce.add(ce.rearrange(XOR1));
                t0 = ct.lane(0); t4 = ct.lane(2); t2 = ct.lane(4); t6 = ct.lane(6); t1 = ct.lane(8); t5 = ct.lane(10); t3 = ct.lane(12); t7 = ct.lane(14);
            } else {
                t0 = VecMath.sum(c0); t1 = VecMath.sum(c1); t2 = VecMath.sum(c2); t3 = VecMath.sum(c3);
                t4 = VecMath.sum(c4); t5 = VecMath.sum(c5); t6 = VecMath.sum(c6); t7 = VecMath.sum(c7);
            }
            for (; k < cols; k++) {
                float wk = w[wo + k], wl = w[wp + k];
                s0 += x[x0 + k] * wk;
                t0 += x[x0 + k] * wl;
                s1 += x[x1 + k] * wk;
                t1 += x[x1 + k] * wl;
                s2 += x[x2 + k] * wk;
                t2 += x[x2 + k] * wl;
                s3 += x[x3 + k] * wk;
                t3 += x[x3 + k] * wl;
                s4 += x[x4 + k] * wk;
                t4 += x[x4 + k] * wl;
                s5 += x[x5 + k] * wk;
                t5 += x[x5 + k] * wl;
                s6 += x[x6 + k] * wk;
                t6 += x[x6 + k] * wl;
                s7 += x[x7 + k] * wk;
                t7 += x[x7 + k] * wl;
            }
            y[y0 + j] = s0;
            y[y0 + jq] = t0;
            y[y1 + j] = s1;
            y[y1 + jq] = t1;
            y[y2 + j] = s2;
            y[y2 + jq] = t2;
            y[y3 + j] = s3;
            y[y3 + jq] = t3;
            y[y4 + j] = s4;
            y[y4 + jq] = t4;
            y[y5 + j] = s5;
            y[y5 + jq] = t5;
            y[y6 + j] = s6;
            y[y6 + jq] = t6;
            y[y7 + j] = s7;
            y[y7 + jq] = t7;
        }
    }

    /** {@link #eight} for four token rows. */
    private static void four(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                             int x0, int x1, int x2, int x3, int y0, int y1, int y2, int y3) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes, half = (to - from) / 2, pairs = half + ((to - from) & 1);
        for (int i = 0; i < pairs; i++) {
            int j = i < half ? from + i : to - 1, jq = i < half ? j + half : j; // an odd last row pairs with itself
            int wo = wOff + j * cols, wp = wOff + jq * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k), wq = FloatVector.fromArray(f, w, wp + k);
                FloatVector u0 = FloatVector.fromArray(f, x, x0 + k);
                a0 = u0.fma(wv, a0);
                c0 = u0.fma(wq, c0);
                FloatVector u1 = FloatVector.fromArray(f, x, x1 + k);
                a1 = u1.fma(wv, a1);
                c1 = u1.fma(wq, c1);
                FloatVector u2 = FloatVector.fromArray(f, x, x2 + k);
                a2 = u2.fma(wv, a2);
                c2 = u2.fma(wq, c2);
                FloatVector u3 = FloatVector.fromArray(f, x, x3 + k);
                a3 = u3.fma(wv, a3);
                c3 = u3.fma(wq, c3);
            }
            float s0, s1, s2, s3;
            if (lanes == 16) { // as in eight
                FloatVector a01 = a0.blend(a1, BIT8).add(a1.blend(a0, BIT8).rearrange(XOR8)),
                        a23 = a2.blend(a3, BIT8).add(a3.blend(a2, BIT8).rearrange(XOR8));
                FloatVector ad = a01.blend(a23, BIT4).add(a23.blend(a01, BIT4).rearrange(XOR4));
                FloatVector ae = ad.add(ad.rearrange(XOR2));
                FloatVector at = ae.add(ae.rearrange(XOR1));
                s0 = at.lane(0); s2 = at.lane(4); s1 = at.lane(8); s3 = at.lane(12);
            } else {
                s0 = VecMath.sum(a0); s1 = VecMath.sum(a1); s2 = VecMath.sum(a2); s3 = VecMath.sum(a3);
            }
            float t0, t1, t2, t3;
            if (lanes == 16) { // as in eight
                FloatVector c01 = c0.blend(c1, BIT8).add(c1.blend(c0, BIT8).rearrange(XOR8)),
                        c23 = c2.blend(c3, BIT8).add(c3.blend(c2, BIT8).rearrange(XOR8));
                FloatVector cd = c01.blend(c23, BIT4).add(c23.blend(c01, BIT4).rearrange(XOR4));
                FloatVector ce = cd.add(cd.rearrange(XOR2));
                FloatVector ct = ce.add(ce.rearrange(XOR1));
                t0 = ct.lane(0); t2 = ct.lane(4); t1 = ct.lane(8); t3 = ct.lane(12);
            } else {
                t0 = VecMath.sum(c0); t1 = VecMath.sum(c1); t2 = VecMath.sum(c2); t3 = VecMath.sum(c3);
            }
            for (; k < cols; k++) {
                float wk = w[wo + k], wl = w[wp + k];
                s0 += x[x0 + k] * wk;
                t0 += x[x0 + k] * wl;
                s1 += x[x1 + k] * wk;
                t1 += x[x1 + k] * wl;
                s2 += x[x2 + k] * wk;
                t2 += x[x2 + k] * wl;
                s3 += x[x3 + k] * wk;
                t3 += x[x3 + k] * wl;
            }
            y[y0 + j] = s0;
            y[y0 + jq] = t0;
            y[y1 + j] = s1;
            y[y1 + jq] = t1;
            y[y2 + j] = s2;
            y[y2 + jq] = t2;
            y[y3 + j] = s3;
            y[y3 + jq] = t3;
        }
    }

    /** {@link #eight} for two token rows. */
    private static void two(int rows, int cols, float[] w, int wOff, float[] x, float[] y, int from, int to,
                            int x0, int x1, int y0, int y1) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes, half = (to - from) / 2, pairs = half + ((to - from) & 1);
        for (int i = 0; i < pairs; i++) {
            int j = i < half ? from + i : to - 1, jq = i < half ? j + half : j; // an odd last row pairs with itself
            int wo = wOff + j * cols, wp = wOff + jq * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, c0 = a0, c1 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k), wq = FloatVector.fromArray(f, w, wp + k);
                FloatVector u0 = FloatVector.fromArray(f, x, x0 + k);
                a0 = u0.fma(wv, a0);
                c0 = u0.fma(wq, c0);
                FloatVector u1 = FloatVector.fromArray(f, x, x1 + k);
                a1 = u1.fma(wv, a1);
                c1 = u1.fma(wq, c1);
            }
            float s0 = VecMath.sum(a0), s1 = VecMath.sum(a1);
            float t0 = VecMath.sum(c0), t1 = VecMath.sum(c1);
            for (; k < cols; k++) {
                float wk = w[wo + k], wl = w[wp + k];
                s0 += x[x0 + k] * wk;
                t0 += x[x0 + k] * wl;
                s1 += x[x1 + k] * wk;
                t1 += x[x1 + k] * wl;
            }
            y[y0 + j] = s0;
            y[y0 + jq] = t0;
            y[y1 + j] = s1;
            y[y1 + jq] = t1;
        }
    }

    /** One token row (the same sums as eight forms for each of its rows). */
    private static void one(int rows, int cols, float[] w, int wOff, float[] x, int x0, float[] y, int y0, int from, int to) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes, half = (to - from) / 2, pairs = half + ((to - from) & 1);
        for (int i = 0; i < pairs; i++) {
            int j = i < half ? from + i : to - 1, jq = i < half ? j + half : j; // an odd last row pairs with itself
            int wo = wOff + j * cols, wp = wOff + jq * cols;
            FloatVector a0 = FloatVector.zero(f), c0 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k), wq = FloatVector.fromArray(f, w, wp + k);
                FloatVector u0 = FloatVector.fromArray(f, x, x0 + k);
                a0 = u0.fma(wv, a0);
                c0 = u0.fma(wq, c0);
            }
            float s0 = VecMath.sum(a0);
            float t0 = VecMath.sum(c0);
            for (; k < cols; k++) {
                float wk = w[wo + k], wl = w[wp + k];
                s0 += x[x0 + k] * wk;
                t0 += x[x0 + k] * wl;
            }
            y[y0 + j] = s0;
            y[y0 + jq] = t0;
        }
    }
}
