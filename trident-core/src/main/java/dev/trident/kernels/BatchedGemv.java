package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * y[i, j] = sum_k W[j, k] x[i, k] for a handful of token rows x (2 to ~8) against a weight W [rows, cols]: the
 * shape of verifying speculative drafts or decoding a small batch. Each weight row is read once per group of up to
 * four token rows, where a GEMM would first copy (pack) the whole weight matrix. Same contract as
 * {@link Reference#sgemm} with transB for these shapes.
 */
public final class BatchedGemv {
    private static final int MIN_PARALLEL_ROWS = 64;

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

    /** Rows [from, to) of W only, on the calling thread (callers that split the rows themselves). */
    public static void rows(int n, int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
                            int from, int to) {
        int i = 0;
        for (; i + 4 <= n; i += 4) four(rows, cols, w, wOff, x, xOff + i * cols, y, yOff + i * rows, from, to);
        for (; i + 2 <= n; i += 2) two(rows, cols, w, wOff, x, xOff + i * cols, y, yOff + i * rows, from, to);
        for (; i < n; i++) one(rows, cols, w, wOff, x, xOff + i * cols, y, yOff + i * rows, from, to);
    }

    /** Four token rows per pass over each weight row: the weight vector is loaded once for four FMAs. */
    private static void four(int rows, int cols, float[] w, int wOff, float[] x, int x0, float[] y, int y0, int from, int to) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k);
                a0 = FloatVector.fromArray(f, x, x0 + k).fma(wv, a0);
                a1 = FloatVector.fromArray(f, x, x0 + cols + k).fma(wv, a1);
                a2 = FloatVector.fromArray(f, x, x0 + 2 * cols + k).fma(wv, a2);
                a3 = FloatVector.fromArray(f, x, x0 + 3 * cols + k).fma(wv, a3);
            }
            float s0 = VecMath.sum(a0), s1 = VecMath.sum(a1), s2 = VecMath.sum(a2), s3 = VecMath.sum(a3);
            for (; k < cols; k++) {
                float wk = w[wo + k];
                s0 += x[x0 + k] * wk;
                s1 += x[x0 + cols + k] * wk;
                s2 += x[x0 + 2 * cols + k] * wk;
                s3 += x[x0 + 3 * cols + k] * wk;
            }
            y[y0 + j] = s0;
            y[y0 + rows + j] = s1;
            y[y0 + 2 * rows + j] = s2;
            y[y0 + 3 * rows + j] = s3;
        }
    }

    private static void two(int rows, int cols, float[] w, int wOff, float[] x, int x0, float[] y, int y0, int from, int to) {
        var f = Simd.F;
        int lanes = Simd.LANES, bound = cols - lanes;
        for (int j = from; j < to; j++) {
            int wo = wOff + j * cols;
            FloatVector a0 = FloatVector.zero(f), a1 = a0;
            int k = 0;
            for (; k <= bound; k += lanes) {
                FloatVector wv = FloatVector.fromArray(f, w, wo + k);
                a0 = FloatVector.fromArray(f, x, x0 + k).fma(wv, a0);
                a1 = FloatVector.fromArray(f, x, x0 + cols + k).fma(wv, a1);
            }
            float s0 = VecMath.sum(a0), s1 = VecMath.sum(a1);
            for (; k < cols; k++) {
                float wk = w[wo + k];
                s0 += x[x0 + k] * wk;
                s1 += x[x0 + cols + k] * wk;
            }
            y[y0 + j] = s0;
            y[y0 + rows + j] = s1;
        }
    }

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
