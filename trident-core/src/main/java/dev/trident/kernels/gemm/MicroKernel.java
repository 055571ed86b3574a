package dev.trident.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: one MR x NR tile of C += (packed A micro-panel) x (packed B micro-panel).
 *
 * <p>The tile is held in 2 * MR vector accumulators (24 with 512-bit vectors, which fits the 32 vector registers of
 * AVX-512 with room for two B vectors and one broadcast of A). Per step of k it loads NR floats of B as two vectors,
 * broadcasts each of the MR floats of A and issues 2 * MR independent FMAs, which hides the FMA latency.
 *
 * <p>The accumulators are plain locals and the helpers are tiny static methods so C2 keeps everything in registers
 * (no vector boxing). This class is generated-style straight-line code on purpose; do not "simplify" it into arrays.
 */
public final class MicroKernel {
    /** Vector shape; the kernel is written for two vectors per row. */
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Rows of the C tile (broadcast A values per k step). */
    public static final int MR = 12;
    /** Columns of the C tile: two vectors. */
    public static final int NR = 2 * L;

    private MicroKernel() {}

    /**
     * C[0..mr, 0..nr) = (first ? beta * C : C) + Ap * Bp over kc steps, where Ap holds kc groups of MR floats from
     * {@code ai} and Bp holds kc groups of NR floats from {@code bi} (both zero-padded past the real mr / nr).
     *
     * @param beta scale of the old C; 0 means C is not read (so NaNs in C do not leak), 1 means plain accumulate
     * @param tile scratch of MR * NR floats for partial edge tiles
     */
    public static void kernel(int kc, float[] ap, int ai, float[] bp, int bi,
                              float[] c, int cIdx, int ldc, float beta, int mr, int nr, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c81 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S), c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        FloatVector a;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]); c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]); c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]); c100 = a.fma(b0, c100); c101 = a.fma(b1, c101);
            a = FloatVector.broadcast(S, ap[ai + 11]); c110 = a.fma(b0, c110); c111 = a.fma(b1, c111);
        }
        if (mr == MR && nr == NR) {
            store(c00, c01, c, cIdx + 0 * ldc, beta);
            store(c10, c11, c, cIdx + 1 * ldc, beta);
            store(c20, c21, c, cIdx + 2 * ldc, beta);
            store(c30, c31, c, cIdx + 3 * ldc, beta);
            store(c40, c41, c, cIdx + 4 * ldc, beta);
            store(c50, c51, c, cIdx + 5 * ldc, beta);
            store(c60, c61, c, cIdx + 6 * ldc, beta);
            store(c70, c71, c, cIdx + 7 * ldc, beta);
            store(c80, c81, c, cIdx + 8 * ldc, beta);
            store(c90, c91, c, cIdx + 9 * ldc, beta);
            store(c100, c101, c, cIdx + 10 * ldc, beta);
            store(c110, c111, c, cIdx + 11 * ldc, beta);
            return;
        }
        // Edge tile: spill the accumulators to scratch, then merge only the valid mr x nr part.
        c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + L);
        c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + L);
        c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + L);
        c100.intoArray(tile, 10 * NR); c101.intoArray(tile, 10 * NR + L);
        c110.intoArray(tile, 11 * NR); c111.intoArray(tile, 11 * NR + L);
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            for (int j = 0; j < nr; j++) {
                float v = tile[r * NR + j];
                c[row + j] = beta == 0 ? v : v + beta * c[row + j];
            }
        }
    }

    /** One full row of the tile: C = acc + beta * C (beta == 0 does not read C). */
    private static void store(FloatVector v0, FloatVector v1, float[] c, int idx, float beta) {
        if (beta == 0) {
            v0.intoArray(c, idx);
            v1.intoArray(c, idx + L);
        } else if (beta == 1) {
            v0.add(FloatVector.fromArray(S, c, idx)).intoArray(c, idx);
            v1.add(FloatVector.fromArray(S, c, idx + L)).intoArray(c, idx + L);
        } else {
            v0.add(FloatVector.fromArray(S, c, idx).mul(beta)).intoArray(c, idx);
            v1.add(FloatVector.fromArray(S, c, idx + L).mul(beta)).intoArray(c, idx + L);
        }
    }
}
