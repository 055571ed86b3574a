package dev.trident.kernels.quant;

import dev.trident.kernels.Gemm;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightMatrix;

/**
 * Many token rows times a quantized weight matrix, for prefill: {@code Y[t][r] = sum_c X[t][c] W[r][c]}, X n x cols
 * and Y n x rows, both row-major (Y = X W^T).
 *
 * <p>With many tokens the work is the GEMM's, not the memory's: {@link Matmul} runs the packed fp32 {@link Gemm}
 * with W decoded straight into its packed panels ({@link DequantizedPanels}), so every weight is decoded once per
 * call and reused n times. For n of a few rows {@link QuantGemv}'s kernels never materialize fp32 weights.
 */
public final class QuantGemm {
    private QuantGemm() {}

    /** Y = X W^T (allocates its scratch; the decoder goes through {@link Matmul}). */
    public static void gemm(QuantizedMatrix w, float[] x, int n, float[] y) {
        if ((long) x.length < (long) n * w.cols()) throw new IllegalArgumentException("x needs " + n + " x " + w.cols() + " values");
        if ((long) y.length < (long) n * w.rows()) throw new IllegalArgumentException("y needs " + n + " x " + w.rows() + " values");
        if (n == 0 || w.rows() == 0) return;
        new Matmul(n, w.cols(), false).input(x, 0, n, w.cols()).multiply(WeightMatrix.of(w), y, 0);
    }

    /** Scalar twin, per token row: the GEMV kernels' ({@link QuantGemv#gemvScalar}) up to {@link Matmul#BATCH_MAX} rows, fp32 x past it. */
    public static void gemmScalar(QuantizedMatrix w, float[] x, int n, float[] y) {
        int rows = w.rows(), cols = w.cols();
        float[] xt = new float[cols], yt = new float[rows];
        for (int t = 0; t < n; t++) {
            System.arraycopy(x, t * cols, xt, 0, cols);
            if (n <= Matmul.BATCH_MAX) QuantGemv.gemvScalar(w, xt, yt);
            else QuantGemv.dequantizedGemv(w, xt, yt);
            System.arraycopy(yt, 0, y, t * rows, rows);
        }
    }
}
