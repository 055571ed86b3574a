package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** RMSNorm forward and backward, vectorized; contract of {@link Reference#rmsNormForward} / backward. */
public final class RmsNormKernel {
    /** Columns of dw one task owns in the backward pass (a multiple of every vector length). */
    private static final int DW_BLOCK = 64;

    private RmsNormKernel() {}

    /** y = x * inv * w per row, inv = 1 / sqrt(mean(x^2) + eps); invRms (may be null) saves inv per row. */
    public static void forward(float[] x, float[] w, float[] y, float[] invRms, int rows, int dim, float eps) {
        Parallel.forRange(rows, 3L * dim, (r0, r1, worker) -> {
            for (int r = r0; r < r1; r++) forwardRow(x, w, y, invRms, r, dim, eps);
        });
    }

    /**
     * dx = inv * (dy*w - xhat * mean(dy*w*xhat)), xhat = x * inv (overwrites dx); dw += sum_rows dy * xhat.
     * dx is parallel over rows; dw over column blocks, so no two threads add into the same dw element and the
     * summation order over rows is the reference's.
     */
    public static void backward(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, float[] dw,
                                int rows, int dim) {
        Parallel.forRange(rows, 5L * dim, (r0, r1, worker) -> {
            for (int r = r0; r < r1; r++) backwardRowDx(x, w, invRms, dy, dx, r, dim);
        });
        int blocks = (dim + DW_BLOCK - 1) / DW_BLOCK;
        Parallel.forRange(blocks, 3L * rows * DW_BLOCK, (b0, b1, worker) ->
                accumulateDw(x, invRms, dy, dw, rows, dim, b0 * DW_BLOCK, Math.min(dim, b1 * DW_BLOCK)));
    }

    private static void forwardRow(float[] x, float[] w, float[] y, float[] invRms, int r, int dim, float eps) {
        var f = VecMath.F;
        int off = r * dim;
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector v = FloatVector.fromArray(f, x, off + i);
            acc = v.fma(v, acc);
        }
        float ss = acc.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) ss += x[off + i] * x[off + i];
        float inv = (float) (1.0 / Math.sqrt((double) ss / dim + eps));
        if (invRms != null) invRms[r] = inv;
        i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector.fromArray(f, x, off + i).mul(inv).mul(FloatVector.fromArray(f, w, i)).intoArray(y, off + i);
        }
        for (; i < dim; i++) y[off + i] = x[off + i] * inv * w[i];
    }

    private static void backwardRowDx(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, int r, int dim) {
        var f = VecMath.F;
        int off = r * dim;
        float inv = invRms[r];
        // mean = inv * sum(dy * w * x) / dim  (= mean(dy * w * xhat))
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector g = FloatVector.fromArray(f, dy, off + i).mul(FloatVector.fromArray(f, w, i));
            acc = g.fma(FloatVector.fromArray(f, x, off + i), acc);
        }
        float dot = acc.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) dot += dy[off + i] * w[i] * x[off + i];
        float mean = dot * inv / dim;
        i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector xhat = FloatVector.fromArray(f, x, off + i).mul(inv);
            FloatVector g = FloatVector.fromArray(f, dy, off + i).mul(FloatVector.fromArray(f, w, i));
            xhat.mul(-mean).add(g).mul(inv).intoArray(dx, off + i);
        }
        for (; i < dim; i++) {
            float xhat = x[off + i] * inv;
            dx[off + i] = inv * (dy[off + i] * w[i] - xhat * mean);
        }
    }

    /** dw[c] += sum_r dy[r, c] * x[r, c] * inv[r] for columns c in [c0, c1). */
    private static void accumulateDw(float[] x, float[] invRms, float[] dy, float[] dw, int rows, int dim,
                                     int c0, int c1) {
        var f = VecMath.F;
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float inv = invRms[r];
            int c = c0;
            for (int bound = c1 - VecMath.L; c <= bound; c += VecMath.L) {
                FloatVector xhat = FloatVector.fromArray(f, x, off + c).mul(inv);
                FloatVector.fromArray(f, dy, off + c).fma(xhat, FloatVector.fromArray(f, dw, c)).intoArray(dw, c);
            }
            for (; c < c1; c++) dw[c] += dy[off + c] * (x[off + c] * inv);
        }
    }
}
