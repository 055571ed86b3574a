package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** RMSNorm forward and backward, vectorized; contract of {@link Reference#rmsNormForward} / backward. */
public final class RmsNormKernel {
    private RmsNormKernel() {}

    /** y = x * inv * w per row, inv = 1 / sqrt(mean(x^2) + eps); invRms (may be null) saves inv per row. */
    public static void forward(float[] x, float[] w, float[] y, float[] invRms, int rows, int dim, float eps) {
        if ((long) rows * 3L * dim < Parallel.MIN_WORK) { // decode: serial, and no lambda to allocate
            for (int r = 0; r < rows; r++) forwardRow(x, w, y, invRms, r, dim, eps);
            return;
        }
        Parallel.forRange(rows, 3L * dim, (r0, r1, worker) -> {
            for (int r = r0; r < r1; r++) forwardRow(x, w, y, invRms, r, dim, eps);
        });
    }

    /**
     * dx = inv * (dy*w - xhat * mean(dy*w*xhat)), xhat = x * inv (overwrites dx); dw += sum_rows dy * xhat.
     * Parallel over rows in one pass over x and dy; each task sums its rows' dy * xhat into its own partial dw,
     * and the partials are added into dw afterwards in task order (deterministic for a given thread count).
     */
    public static void backward(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, float[] dw,
                                int rows, int dim) {
        float[][] partial = new float[WorkerPool.global().threads()][];
        Parallel.forRange(rows, 8L * dim, (r0, r1, worker) -> {
            float[] part = new float[dim];
            for (int r = r0; r < r1; r++) backwardRow(x, w, invRms, dy, dx, part, r, dim);
            partial[worker] = part;
        });
        for (float[] part : partial) if (part != null) VecMath.axpy(1f, part, 0, dw, 0, dim);
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
        float ss = VecMath.sum(acc);
        for (; i < dim; i++) ss += x[off + i] * x[off + i];
        float inv = (float) (1.0 / Math.sqrt((double) ss / dim + eps));
        if (invRms != null) invRms[r] = inv;
        i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector.fromArray(f, x, off + i).mul(inv).mul(FloatVector.fromArray(f, w, i)).intoArray(y, off + i);
        }
        for (; i < dim; i++) y[off + i] = x[off + i] * inv * w[i];
    }

    private static void backwardRow(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, float[] dwPart,
                                    int r, int dim) {
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
        float dot = VecMath.sum(acc);
        for (; i < dim; i++) dot += dy[off + i] * w[i] * x[off + i];
        float mean = dot * inv / dim;
        i = 0;
        for (int bound = dim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector xhat = FloatVector.fromArray(f, x, off + i).mul(inv);
            FloatVector d = FloatVector.fromArray(f, dy, off + i);
            FloatVector g = d.mul(FloatVector.fromArray(f, w, i));
            xhat.mul(-mean).add(g).mul(inv).intoArray(dx, off + i);
            d.fma(xhat, FloatVector.fromArray(f, dwPart, i)).intoArray(dwPart, i);
        }
        for (; i < dim; i++) {
            float xhat = x[off + i] * inv;
            dx[off + i] = inv * (dy[off + i] * w[i] - xhat * mean);
            dwPart[i] += dy[off + i] * xhat;
        }
    }
}
