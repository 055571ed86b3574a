package dev.trident.kernels.quant;

import dev.trident.kernels.Gemm;
import dev.trident.kernels.WorkerPool;
import dev.trident.quant.QuantizedMatrix;

/**
 * A few token rows times a quantized weight matrix, for prefill and speculative verification:
 * {@code Y[t][r] = sum_c X[t][c] W[r][c]}, X n x cols and Y n x rows, both row-major (Y = X W^T).
 *
 * <p>With several tokens, decoding each weight once and reusing it n times beats n GEMVs: each worker dequantizes a
 * tile of {@link #TILE_ROWS} rows of W into fp32 scratch and hands it to {@link Gemm#sgemm} against all of X.
 * For n = 1 use {@link QuantGemv}, which never materializes fp32 weights.
 */
public final class QuantGemm {
    /** Rows of W per dequantized tile: 64 rows x 4096 columns of fp32 is 1 MB, about an L2's worth. */
    public static final int TILE_ROWS = 64;

    private QuantGemm() {}

    public static void gemm(QuantizedMatrix w, float[] x, int n, float[] y) {
        int rows = w.rows(), cols = w.cols();
        if ((long) x.length < (long) n * cols) throw new IllegalArgumentException("x needs " + n + " x " + cols + " values");
        if ((long) y.length < (long) n * rows) throw new IllegalArgumentException("y needs " + n + " x " + rows + " values");
        if (n == 0 || rows == 0) return;
        int tiles = (rows + TILE_ROWS - 1) / TILE_ROWS;
        WorkerPool.global().parallelFor(tiles, (from, to, worker) -> {
            float[] scratch = new float[TILE_ROWS * cols];
            for (int t = from; t < to; t++) {
                int r0 = t * TILE_ROWS, r1 = Math.min(rows, r0 + TILE_ROWS);
                for (int r = r0; r < r1; r++) w.dequantizeRow(r, scratch, (r - r0) * cols);
                // Y[:, r0:r1] = X * tile^T; nested inside a worker, sgemm runs on this thread
                Gemm.sgemm(false, true, n, r1 - r0, cols, x, 0, cols, scratch, 0, cols, 0f, y, r0, rows);
            }
        });
    }

    /** Scalar twin: one {@link QuantGemv#gemvScalar} per token row. */
    public static void gemmScalar(QuantizedMatrix w, float[] x, int n, float[] y) {
        int rows = w.rows(), cols = w.cols();
        float[] xt = new float[cols], yt = new float[rows];
        for (int t = 0; t < n; t++) {
            System.arraycopy(x, t * cols, xt, 0, cols);
            QuantGemv.gemvScalar(w, xt, yt);
            System.arraycopy(yt, 0, y, t * rows, rows);
        }
    }
}
