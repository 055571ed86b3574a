package dev.trident.kernels.gemm;

import dev.trident.kernels.VecMath;

import dev.trident.kernels.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * y = W x for a row-major W: the decode path, bound by reading W from memory once.
 * Four rows are processed together so each load of x feeds four FMAs, each row has its own accumulator
 * (independent FMA chains), and large matrices are split by rows over the {@link WorkerPool}.
 */
public final class Gemv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Below this many weights a second thread is not worth waking. */
    static final long PARALLEL_ELEMS = 1L << 16;
    /** Rows per claimed unit of work: 64 rows of 1024 floats is 256 KB, a few microseconds of streaming. */
    private static final int BLOCK_ROWS = 64;

    private Gemv() {}

    public static void gemv(int rows, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        if (rows <= 0) return;
        WorkerPool pool = WorkerPool.global();
        if (pool.threads() == 1 || (long) rows * cols < PARALLEL_ELEMS || rows < 8) {
            range(0, rows, cols, w, wOff, x, xOff, y, yOff);
            return;
        }
        // Threads claim blocks of BLOCK_ROWS rows (a multiple of 4, so all but the last use the 4-row kernel)
        // rather than fixed halves: if the other core is busy with another process, the free thread takes more.
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        AtomicInteger next = new AtomicInteger();
        pool.parallelFor(pool.threads(), (from, to, worker) -> {
            for (int blk; (blk = next.getAndIncrement()) < blocks; ) {
                range(blk * BLOCK_ROWS, Math.min(rows, (blk + 1) * BLOCK_ROWS), cols, w, wOff, x, xOff, y, yOff);
            }
        });
    }

    /** y[r0..r1) for rows r0..r1 of W. */
    static void range(int r0, int r1, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        int r = r0;
        for (; r + 4 <= r1; r += 4) rows4(r, cols, w, wOff, x, xOff, y, yOff);
        for (; r < r1; r++) y[yOff + r] = dot(w, wOff + r * cols, x, xOff, cols);
    }

    private static void rows4(int r, int cols, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        int w0 = wOff + r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        int p = 0;
        for (; p <= cols - L; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
            s0 = FloatVector.fromArray(S, w, w0 + p).fma(xv, s0);
            s1 = FloatVector.fromArray(S, w, w1 + p).fma(xv, s1);
            s2 = FloatVector.fromArray(S, w, w2 + p).fma(xv, s2);
            s3 = FloatVector.fromArray(S, w, w3 + p).fma(xv, s3);
        }
        float t0 = VecMath.sum(s0), t1 = VecMath.sum(s1);
        float t2 = VecMath.sum(s2), t3 = VecMath.sum(s3);
        for (; p < cols; p++) {
            float xv = x[xOff + p];
            t0 += w[w0 + p] * xv;
            t1 += w[w1 + p] * xv;
            t2 += w[w2 + p] * xv;
            t3 += w[w3 + p] * xv;
        }
        y[yOff + r] = t0;
        y[yOff + r + 1] = t1;
        y[yOff + r + 2] = t2;
        y[yOff + r + 3] = t3;
    }

    private static float dot(float[] w, int wo, float[] x, int xo, int cols) {
        return SmallGemm.dot(w, wo, x, xo, cols);
    }
}
