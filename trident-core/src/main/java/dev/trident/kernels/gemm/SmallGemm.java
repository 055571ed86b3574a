package dev.trident.kernels.gemm;

import dev.trident.kernels.VecMath;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM for problems too small to repay packing and threading: one row of C at a time, vectorized along the
 * contiguous dimension. op(A) row i is gathered into a contiguous buffer first when A is transposed.
 * <ul>
 *   <li>B not transposed: C[i, :] = beta C[i, :] + sum_p A[i, p] * B[p, :] (vector axpy over rows of B).</li>
 *   <li>B transposed: C[i, j] = beta C[i, j] + dot(A[i, :], B[j, :]) (rows of B are contiguous).</li>
 * </ul>
 */
public final class SmallGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SmallGemm() {}

    public static void run(boolean transA, boolean transB, int m, int n, int k,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
        float[] rowBuf = transA ? PackedGemm.scratch().row(k) : null; // per-thread, reused
        for (int i = 0; i < m; i++) {
            float[] ar = a;
            int arOff = aOff + i * lda;
            if (transA) {
                for (int p = 0; p < k; p++) rowBuf[p] = a[aOff + p * lda + i];
                ar = rowBuf;
                arOff = 0;
            }
            int ci = cOff + i * ldc;
            if (transB) {
                for (int j = 0; j < n; j++) {
                    float d = dot(ar, arOff, b, bOff + j * ldb, k);
                    c[ci + j] = beta == 0 ? d : d + beta * c[ci + j];
                }
            } else {
                scale(c, ci, n, beta);
                for (int p = 0; p < k; p++) axpy(ar[arOff + p], b, bOff + p * ldb, c, ci, n);
            }
        }
    }

    static float dot(float[] x, int xo, float[] y, int yo, int len) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int p = 0;
        for (; p <= len - 2 * L; p += 2 * L) {
            acc0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), acc0);
            acc1 = FloatVector.fromArray(S, x, xo + p + L).fma(FloatVector.fromArray(S, y, yo + p + L), acc1);
        }
        float s = VecMath.sum(acc0.add(acc1));
        for (; p < len; p++) s += x[xo + p] * y[yo + p];
        return s;
    }

    /** y[0..len) += alpha * x[0..len). */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int len) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int j = 0;
        for (; j <= len - L; j += L) {
            va.fma(FloatVector.fromArray(S, x, xo + j), FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        }
        for (; j < len; j++) y[yo + j] += alpha * x[xo + j];
    }

    /** y[0..len) *= beta, with beta == 0 writing exact zeros (C is not read, as in the reference). */
    static void scale(float[] y, int yo, int len, float beta) {
        if (beta == 1) return;
        for (int j = 0; j < len; j++) y[yo + j] = beta == 0 ? 0f : beta * y[yo + j];
    }
}
