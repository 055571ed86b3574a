package dev.trident.kernels;

import dev.trident.kernels.gemm.Blocking;
import dev.trident.kernels.gemm.MicroKernel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Gemm#sgemm} against the scalar twin {@link Reference#sgemm}. */
class GemmTest {
    private static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    private static final Blocking BL = Blocking.DEFAULT;

    /** Shapes around every boundary: 1s, micro-tile tails, KC / MC / NC block edges, small and parallel paths. */
    static Stream<Arguments> shapes() {
        int[][] mnk = {
                {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 3, 1}, {2, 50, 60},          // small path
                {MR, NR, 16}, {MR + 1, NR + 1, 17}, {MR - 1, NR - 1, 33},         // one tile +- 1
                {37, 53, 41}, {64, 64, 64}, {49, 97, 1}, {50, 5, 200},            // odd tails, k = 1
                {BL.mc() + 5, 19, BL.kc() + 3},                                   // crosses MC and KC
                {13, BL.nc() + 7, 6},                                             // crosses NC
                {131, 140, 150}, {300, 45, 170}, {29, 260, 301},                  // parallel over N and M
                {1, 700, 3000}, {3, 1500, 900}, {900, 2, 1200},                   // skinny, parallel small path
                {20, BL.nc() + 26, BL.kc() + 6},                                  // parallel, several NC and KC blocks
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
    void matchesReferenceForBetaZeroAndOne(int m, int n, int k, boolean ta, boolean tb) {
        long seed = 31L * m + 17L * n + k + (ta ? 1000 : 0) + (tb ? 2000 : 0);
        check(m, n, k, ta, tb, 0f, 0, 0, 0, 0, 0, 0, seed);
        check(m, n, k, ta, tb, 1f, 0, 0, 0, 0, 0, 0, seed + 1);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("shapes")
    void offsetsAndPaddedLeadingDimensions(int m, int n, int k, boolean ta, boolean tb) {
        long seed = 7L * m + 3L * n + k + (ta ? 1 : 0) + (tb ? 2 : 0);
        check(m, n, k, ta, tb, 0.5f, 3, 5, 7, 2, 9, 4, seed);
    }

    @Property(tries = 60, seed = "42")
    void randomShapes(@ForAll @IntRange(min = 1, max = 90) int m, @ForAll @IntRange(min = 1, max = 90) int n,
                      @ForAll @IntRange(min = 1, max = 90) int k, @ForAll boolean ta, @ForAll boolean tb,
                      @ForAll @IntRange(min = 0, max = 2) int betaCase) {
        float beta = new float[]{0f, 1f, -0.75f}[betaCase];
        check(m, n, k, ta, tb, beta, 1, 2, 3, 1, 0, 5, 1234L + m * 7919L + n * 104729L + k);
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        int m = 40, n = 70, k = 33;
        float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN);
        Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n);
        for (float v : c) assertTrue(Float.isFinite(v), "NaN from C leaked through beta = 0");
    }

    @Test
    void doesNotWriteOutsideC() {
        // C is embedded in a larger array with ldc > n: padding and the surroundings must stay untouched.
        int m = 29, n = 45, k = 20, ldc = 52, cOff = 11;
        float[] a = random(m * k, 3), b = random(k * n, 4);
        float[] c = new float[cOff + m * ldc + 20];
        java.util.Arrays.fill(c, 42f);
        Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, 1f, c, cOff, ldc);
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) assertEquals(42f, c[idx], "wrote outside C at " + idx);
        }
    }

    /** Runs both kernels on identical inputs and compares with a tolerance relative to sum |a||b| + |beta c|. */
    static void check(int m, int n, int k, boolean ta, boolean tb, float beta,
                      int aOff, int padA, int bOff, int padB, int cOff, int padC, long seed) {
        int aRows = ta ? k : m, aCols = ta ? m : k, lda = aCols + padA;
        int bRows = tb ? n : k, bCols = tb ? k : n, ldb = bCols + padB;
        int ldc = n + padC;
        float[] a = random(aOff + aRows * lda, seed);
        float[] b = random(bOff + bRows * ldb, seed + 1);
        float[] c0 = random(cOff + m * ldc, seed + 2);
        float[] want = c0.clone(), got = c0.clone();
        Reference.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, want, cOff, ldc);
        Gemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double scale = Math.abs(beta * c0[cOff + i * ldc + j]);
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    scale += Math.abs((double) av * bv);
                }
                int ci = cOff + i * ldc + j;
                double tol = 1e-6 * (k + 4) * (scale + 1e-3);
                if (!(Math.abs(got[ci] - want[ci]) <= tol)) {
                    fail(String.format("m=%d n=%d k=%d ta=%b tb=%b beta=%s: C[%d,%d] = %s, want %s (tol %.3g)",
                            m, n, k, ta, tb, beta, i, j, got[ci], want[ci], tol));
                }
            }
        }
        // Leading-dimension padding of C is not part of C and must not change.
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc && cOff + i * ldc + j < got.length; j++)
                assertEquals(c0[cOff + i * ldc + j], got[cOff + i * ldc + j], "padding of C changed");
    }

    static float[] random(int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
