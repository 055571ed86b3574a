package dev.trident.kernels;

import dev.trident.kernels.gemm.Blocking;
import dev.trident.kernels.gemm.MicroKernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The single-thread GEMMs the expert dispatch runs ({@link Gemm#serial} and the pairs sharing one packed operand,
 * {@link Gemm#serialSharedA} / {@link Gemm#serialSharedB}) against the scalar twin {@link Reference#sgemm}, around
 * tile tails and block edges, on the small and packed paths, with offsets and padded leading dimensions.
 */
class SerialGemmTest {
    private static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    private static final Blocking BL = Blocking.DEFAULT;

    /** Shapes around the boundaries of the packed loop nest (tile tails, MC / KC / NC edges) and the small path. */
    static Stream<Arguments> shapes() {
        int[][] mnk = {
                {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 3, 1}, {2, 50, 60},          // small path
                {MR, NR, 16}, {MR + 1, NR + 1, 17}, {MR - 1, NR - 1, 33},         // one tile +- 1
                {37, 53, 41}, {64, 64, 64}, {49, 97, 1}, {50, 5, 200},            // odd tails, k = 1
                {BL.mc() + 5, 19, BL.kc() + 3},                                   // crosses MC and KC
                {13, BL.nc() + 7, 6},                                             // crosses NC
                {61, 45, 70}, {131, 140, 150},                                    // expert-sized blocks
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mnk)
            for (boolean ta : new boolean[]{false, true})
                for (boolean tb : new boolean[]{false, true})
                    out.add(Arguments.of(s[0], s[1], s[2], ta, tb));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void serialAndPairsMatchTheReference(int m, int n, int k, boolean ta, boolean tb) {
        long seed = 11L * m + 5L * n + k + (ta ? 100 : 0) + (tb ? 200 : 0);
        for (float beta : new float[]{0f, 1f, -0.5f}) {
            Case c = new Case(m, n, k, ta, tb, beta, seed);
            Gemm.serial(ta, tb, m, n, k, c.a1, c.aOff, c.lda, c.b1, c.bOff, c.ldb, beta, c.got1, c.cOff, c.ldc);
            c.check("serial", c.want(c.a1, c.b1), c.got1, c.a1, c.b1, c.c1);

            c = new Case(m, n, k, ta, tb, beta, seed + 1);
            Gemm.serialSharedA(ta, tb, m, n, k, c.a1, c.aOff, c.lda, c.b1, c.bOff, c.b2, c.bOff, c.ldb, beta,
                    c.got1, c.cOff, c.got2, c.cOff, c.ldc);
            c.check("sharedA first", c.want(c.a1, c.b1), c.got1, c.a1, c.b1, c.c1);
            c.check("sharedA second", c.want2(c.a1, c.b2), c.got2, c.a1, c.b2, c.c2);

            c = new Case(m, n, k, ta, tb, beta, seed + 2);
            Gemm.serialSharedB(ta, tb, m, n, k, c.a1, c.aOff, c.a2, c.aOff, c.lda, c.b1, c.bOff, c.ldb, beta,
                    c.got1, c.cOff, c.got2, c.cOff, c.ldc);
            c.check("sharedB first", c.want(c.a1, c.b1), c.got1, c.a1, c.b1, c.c1);
            c.check("sharedB second", c.want2(c.a2, c.b1), c.got2, c.a2, c.b1, c.c2);
        }
    }

    /** Random operands with offsets and padding; got1/got2 start as two different random C. */
    private static final class Case {
        final int m, n, k, aOff = 3, bOff = 5, cOff = 2, lda, ldb, ldc;
        final boolean ta, tb;
        final float beta;
        final float[] a1, a2, b1, b2, c1, c2, got1, got2;

        Case(int m, int n, int k, boolean ta, boolean tb, float beta, long seed) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.ta = ta;
            this.tb = tb;
            this.beta = beta;
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            lda = aCols + 2;
            ldb = bCols + 1;
            ldc = n + 3;
            a1 = GemmTest.random(aOff + aRows * lda, seed);
            a2 = GemmTest.random(aOff + aRows * lda, seed + 10);
            b1 = GemmTest.random(bOff + bRows * ldb, seed + 20);
            b2 = GemmTest.random(bOff + bRows * ldb, seed + 30);
            c1 = GemmTest.random(cOff + m * ldc, seed + 40);
            c2 = GemmTest.random(cOff + m * ldc, seed + 50);
            got1 = c1.clone();
            got2 = c2.clone();
        }

        float[] want(float[] a, float[] b) {
            float[] w = c1.clone();
            Reference.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, w, cOff, ldc);
            return w;
        }

        float[] want2(float[] a, float[] b) {
            float[] w = c2.clone();
            Reference.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, w, cOff, ldc);
            return w;
        }

        /** Within fp32 accumulation error (relative to sum |a||b| + |beta c|, as in GemmTest), padding untouched. */
        void check(String what, float[] want, float[] got, float[] a, float[] b, float[] c0) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    double scale = Math.abs(beta * c0[ci]);
                    for (int p = 0; p < k; p++) {
                        float av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        float bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        scale += Math.abs((double) av * bv);
                    }
                    double tol = 1e-6 * (k + 4) * (scale + 1e-3);
                    if (!(Math.abs(got[ci] - want[ci]) <= tol))
                        fail(String.format("%s m=%d n=%d k=%d ta=%b tb=%b beta=%s: C[%d,%d] = %s, want %s",
                                what, m, n, k, ta, tb, beta, i, j, got[ci], want[ci]));
                }
                for (int j = n; j < ldc && cOff + i * ldc + j < got.length; j++)
                    assertEquals(want[cOff + i * ldc + j], got[cOff + i * ldc + j], what + ": padding of C changed");
            }
        }
    }
}
