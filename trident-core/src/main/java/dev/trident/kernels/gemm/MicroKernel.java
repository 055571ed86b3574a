package dev.trident.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: one MR x NR tile = (packed A micro-panel) x (packed B micro-panel).
 *
 * <p>The tile is held in 2 * MR vector accumulators (24 with 512-bit vectors, which fits the 32 vector registers of
 * AVX-512 with room for two B vectors and one broadcast of A; 12 with AVX2's 16 registers). Per step of k it loads NR floats of B as two vectors,
 * broadcasts each of the MR floats of A and issues 2 * MR independent FMAs, which hides the FMA latency.
 *
 * <p>Why it looks like this: the accumulators are plain locals and the method calls nothing but Vector API
 * intrinsics, so C2 keeps every vector in a register. Passing the accumulators to a helper that C2 declines to inline
 * (this method is large, so it soon hits the inlining budget) makes C2 box them, which once cost a factor of ten.
 * So the kernel only writes its tile to a small scratch array, and {@link #merge} adds that into C.
 */
public final class MicroKernel {
    /** Vector shape; the kernel is written for two vectors per row. */
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /**
     * Rows of the C tile (broadcast A values per k step). 12 rows = 24 accumulators need the 32 registers of
     * AVX-512 (assumed when the preferred vector is 512 bits); with 256-bit AVX2 and its 16 registers, 6 rows
     * (12 accumulators) avoid spills (measured with -XX:UseAVX=2: 12 rows spill and lose ~30%).
     */
    public static final int MR = S.vectorBitSize() >= 512 ? 12 : 6;
    /** Columns of the C tile: two vectors. */
    public static final int NR = 2 * L;

    private MicroKernel() {}

    /**
     * tile[MR x NR, row-major] = Ap * Bp over kc steps, where Ap holds kc groups of MR floats from {@code ai} and
     * Bp holds kc groups of NR floats from {@code bi}.
     */
    public static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        if (MR == 12) kernel12(kc, ap, ai, bp, bi, tile); // MR is a constant: C2 keeps only one branch
        else kernel6(kc, ap, ai, bp, bi, tile);
    }

    // The two kernels below are the same loop unrolled for 12 and 6 rows (2 vectors per row). Straight-line
    // on purpose: one local per accumulator is what lets C2 keep them all in registers.

    private static void kernel12(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
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
        for (int p = 0; p < kc; p++, ai += 12, bi += NR) {
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
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L); c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L); c71.intoArray(tile, 15 * L);
        c80.intoArray(tile, 16 * L); c81.intoArray(tile, 17 * L);
        c90.intoArray(tile, 18 * L); c91.intoArray(tile, 19 * L);
        c100.intoArray(tile, 20 * L); c101.intoArray(tile, 21 * L);
        c110.intoArray(tile, 22 * L); c111.intoArray(tile, 23 * L);
    }

    private static void kernel6(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector a;
        for (int p = 0; p < kc; p++, ai += 6, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
    }

    /**
     * C[0..mr, 0..nr) = tile + beta * C. beta == 0 does not read C (so NaNs in C do not leak, as in the reference);
     * beta == 1 is a plain accumulate (used for every KC block after the first).
     */
    public static void merge(float[] tile, float[] c, int cIdx, int ldc, float beta, int mr, int nr) {
        if (nr == NR) {
            for (int r = 0; r < mr; r++) {
                int row = cIdx + r * ldc;
                FloatVector t0 = FloatVector.fromArray(S, tile, r * NR);
                FloatVector t1 = FloatVector.fromArray(S, tile, r * NR + L);
                if (beta != 0) {
                    FloatVector o0 = FloatVector.fromArray(S, c, row);
                    FloatVector o1 = FloatVector.fromArray(S, c, row + L);
                    t0 = beta == 1 ? t0.add(o0) : t0.add(o0.mul(beta));
                    t1 = beta == 1 ? t1.add(o1) : t1.add(o1.mul(beta));
                }
                t0.intoArray(c, row);
                t1.intoArray(c, row + L);
            }
            return;
        }
        // Edge tile: only the valid nr columns exist in C.
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            for (int j = 0; j < nr; j++) {
                float v = tile[r * NR + j];
                c[row + j] = beta == 0 ? v : v + beta * c[row + j];
            }
        }
    }
}
