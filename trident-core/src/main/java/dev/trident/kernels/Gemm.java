package dev.trident.kernels;

import dev.trident.kernels.gemm.Blocking;
import dev.trident.kernels.gemm.Gemv;
import dev.trident.kernels.gemm.PackedGemm;
import dev.trident.kernels.gemm.PairGemm;
import dev.trident.kernels.gemm.PanelSource;
import dev.trident.kernels.gemm.ParallelGemm;
import dev.trident.kernels.gemm.SmallGemm;

/**
 * fp32 matrix multiply (Vector API, cache-blocked, on the {@link WorkerPool}). Same contract as
 * {@link Reference#sgemm}: C = op(A) * op(B) + beta * C, row-major.
 *
 * <p>Dispatch: tiny problems take {@link SmallGemm} (no packing, no threads), and so do skinny ones (m or n
 * below 4, where a micro-tile would be mostly padding), split over threads when big; the rest run the packed
 * loop nest: {@link PackedGemm} on one thread, {@link ParallelGemm} (shared packed B, dynamically claimed blocks
 * of C) on the pool.
 */
public final class Gemm {
    /** Below this many multiply-adds, packing costs more than it saves. */
    static final long SMALL_MNK = 48L * 48 * 48;
    /** Below this many multiply-adds, waking a second thread costs more than it saves. */
    static final long PARALLEL_MNK = 128L * 128 * 128;

    private Gemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            // No products: C = beta * C (beta == 0 clears without reading).
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0 ? 0f : beta * c[ci];
                }
            return;
        }
        long mnk = (long) m * n * k;
        WorkerPool pool = WorkerPool.global();
        if (mnk < SMALL_MNK || m < 4 || n < 4) {
            if (mnk < PARALLEL_MNK || pool.threads() == 1) {
                SmallGemm.run(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else if (n >= m) {
                // A few rows times a big B (e.g. a short batch through a weight): split the columns of C.
                pool.parallelFor(n, (from, to, w) -> SmallGemm.run(transA, transB, m, to - from, k, a, aOff, lda,
                        b, bOff + (transB ? from * ldb : from), ldb, beta, c, cOff + from, ldc));
            } else {
                pool.parallelFor(m, (from, to, w) -> SmallGemm.run(transA, transB, to - from, n, k,
                        a, aOff + (transA ? from : from * lda), lda, b, bOff, ldb, beta, c, cOff + from * ldc, ldc));
            }
            return;
        }
        Blocking bl = Blocking.DEFAULT;
        if (pool.threads() == 1 || mnk < PARALLEL_MNK) {
            PackedGemm.run(transA, transB, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                    0, m, 0, n, bl, PackedGemm.scratch());
            return;
        }
        ParallelGemm.run(pool, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bl);
    }

    /**
     * C = op(A) op(B) + beta C with B's panels from a {@link PanelSource} (a quantized W decoded straight into
     * the packed layout), on the pool: always the packed loop nest.
     */
    public static void sgemm(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, PanelSource b,
                             float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) throw new IllegalArgumentException("panel GEMM of " + m + " x " + n + " x " + k);
        WorkerPool pool = WorkerPool.global();
        if (pool.threads() == 1 || (long) m * n * k < PARALLEL_MNK)
            PackedGemm.run(transA, k, a, aOff, lda, b, beta, c, cOff, ldc, 0, m, 0, n, Blocking.DEFAULT, PackedGemm.scratch());
        else ParallelGemm.run(pool, transA, m, n, k, a, aOff, lda, b, beta, c, cOff, ldc, Blocking.DEFAULT);
    }

    /**
     * {@link #sgemm} on the calling thread only, for callers that parallelize over many independent products
     * themselves (the experts of a mixture-of-experts layer).
     */
    public static void serial(boolean transA, boolean transB, int m, int n, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || (long) m * n * k < SMALL_MNK || m < 4 || n < 4) {
            SmallGemm.run(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        PackedGemm.run(transA, transB, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                0, m, 0, n, Blocking.DEFAULT, PackedGemm.scratch());
    }

    /** C1 = op(A) op(B1) + beta C1 and C2 = op(A) op(B2) + beta C2 on the calling thread, A packed once. */
    public static void serialSharedA(boolean transA, boolean transB, int m, int n, int k,
                                     float[] a, int aOff, int lda, float[] b1, int b1Off, float[] b2, int b2Off, int ldb,
                                     float beta, float[] c1, int c1Off, float[] c2, int c2Off, int ldc) {
        PairGemm.sharedLeft(transA, transB, m, n, k, a, aOff, lda, b1, b1Off, b2, b2Off, ldb, beta, c1, c1Off, c2, c2Off, ldc);
    }

    /** C1 = op(A1) op(B) + beta C1 and C2 = op(A2) op(B) + beta C2 on the calling thread, B packed once. */
    public static void serialSharedB(boolean transA, boolean transB, int m, int n, int k,
                                     float[] a1, int a1Off, float[] a2, int a2Off, int lda, float[] b, int bOff, int ldb,
                                     float beta, float[] c1, int c1Off, float[] c2, int c2Off, int ldc) {
        PairGemm.sharedRight(transA, transB, m, n, k, a1, a1Off, a2, a2Off, lda, b, bOff, ldb, beta, c1, c1Off, c2, c2Off, ldc);
    }

    /** y = W x for a row-major rows x cols W; same contract as {@link Reference#gemv}. */
    public static void gemv(int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        Gemv.gemv(rows, cols, w, wOff, x, xOff, y, yOff);
    }
}
