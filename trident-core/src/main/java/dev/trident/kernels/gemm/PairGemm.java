package dev.trident.kernels.gemm;

/**
 * Two GEMMs of the same shape that share one operand, run on the calling thread with the shared operand packed
 * once per block instead of once per product:
 * <ul>
 *   <li>{@link #sharedLeft}: C1 = op(A) op(B1) + beta C1 and C2 = op(A) op(B2) + beta C2 (a SwiGLU's gate and up
 *       projections of the same activations);</li>
 *   <li>{@link #sharedRight}: C1 = op(A1) op(B) + beta C1 and C2 = op(A2) op(B) + beta C2 (the gate and up weight
 *       gradients, both against the same activations).</li>
 * </ul>
 * Same contract as two calls of {@link dev.trident.kernels.Reference#sgemm}; the loop nest is {@link PackedGemm}'s.
 * Small problems take {@link SmallGemm} twice (packing would cost more than it saves).
 */
public final class PairGemm {
    /** Below this many multiply-adds per product, packing costs more than it saves (as in Gemm). */
    private static final long SMALL_MNK = 48L * 48 * 48;

    /** The second packed B block of {@link #sharedLeft}, per thread. */
    private static final ThreadLocal<float[][]> SECOND_B = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    private PairGemm() {}

    private static boolean small(int m, int n, int k) {
        return (long) m * n * k < SMALL_MNK || m < 4 || n < 4;
    }

    public static void sharedLeft(boolean transA, boolean transB, int m, int n, int k,
                                  float[] a, int aOff, int lda,
                                  float[] b1, int b1Off, float[] b2, int b2Off, int ldb, float beta,
                                  float[] c1, int c1Off, float[] c2, int c2Off, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || small(m, n, k)) {
            SmallGemm.run(transA, transB, m, n, k, a, aOff, lda, b1, b1Off, ldb, beta, c1, c1Off, ldc);
            SmallGemm.run(transA, transB, m, n, k, a, aOff, lda, b2, b2Off, ldb, beta, c2, c2Off, ldc);
            return;
        }
        Blocking bl = Blocking.DEFAULT;
        PackedGemm.Scratch s = PackedGemm.scratch();
        int kcMax = Math.min(bl.kc(), k);
        int bLen = Blocking.roundUp(Math.min(bl.nc(), n), MicroKernel.NR) * kcMax;
        s.ensure(Blocking.roundUp(Math.min(bl.mc(), m), MicroKernel.MR) * kcMax, bLen);
        float[][] second = SECOND_B.get();
        if (second[0].length < bLen) second[0] = new float[bLen];
        float[] bp2 = second[0];
        for (int jc = 0; jc < n; jc += bl.nc()) {
            int nc = Math.min(bl.nc(), n - jc);
            for (int pc = 0; pc < k; pc += bl.kc()) {
                int kc = Math.min(bl.kc(), k - pc);
                float betaBlock = pc == 0 ? beta : 1f;
                Packing.packB(transB, b1, b1Off, ldb, pc, jc, kc, nc, s.b, 0);
                Packing.packB(transB, b2, b2Off, ldb, pc, jc, kc, nc, bp2, 0);
                for (int ic = 0; ic < m; ic += bl.mc()) {
                    int mc = Math.min(bl.mc(), m - ic);
                    Packing.packA(transA, a, aOff, lda, ic, pc, mc, kc, s.a); // once for both products
                    PackedGemm.macroKernel(s, s.b, kc, mc, 0, nc, c1, c1Off + ic * ldc + jc, ldc, betaBlock);
                    PackedGemm.macroKernel(s, bp2, kc, mc, 0, nc, c2, c2Off + ic * ldc + jc, ldc, betaBlock);
                }
            }
        }
    }

    public static void sharedRight(boolean transA, boolean transB, int m, int n, int k,
                                   float[] a1, int a1Off, float[] a2, int a2Off, int lda,
                                   float[] b, int bOff, int ldb, float beta,
                                   float[] c1, int c1Off, float[] c2, int c2Off, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || small(m, n, k)) {
            SmallGemm.run(transA, transB, m, n, k, a1, a1Off, lda, b, bOff, ldb, beta, c1, c1Off, ldc);
            SmallGemm.run(transA, transB, m, n, k, a2, a2Off, lda, b, bOff, ldb, beta, c2, c2Off, ldc);
            return;
        }
        Blocking bl = Blocking.DEFAULT;
        PackedGemm.Scratch s = PackedGemm.scratch();
        int kcMax = Math.min(bl.kc(), k);
        s.ensure(Blocking.roundUp(Math.min(bl.mc(), m), MicroKernel.MR) * kcMax,
                Blocking.roundUp(Math.min(bl.nc(), n), MicroKernel.NR) * kcMax);
        for (int jc = 0; jc < n; jc += bl.nc()) {
            int nc = Math.min(bl.nc(), n - jc);
            for (int pc = 0; pc < k; pc += bl.kc()) {
                int kc = Math.min(bl.kc(), k - pc);
                float betaBlock = pc == 0 ? beta : 1f;
                Packing.packB(transB, b, bOff, ldb, pc, jc, kc, nc, s.b, 0); // once for both products
                for (int ic = 0; ic < m; ic += bl.mc()) {
                    int mc = Math.min(bl.mc(), m - ic);
                    Packing.packA(transA, a1, a1Off, lda, ic, pc, mc, kc, s.a);
                    PackedGemm.macroKernel(s, s.b, kc, mc, 0, nc, c1, c1Off + ic * ldc + jc, ldc, betaBlock);
                    Packing.packA(transA, a2, a2Off, lda, ic, pc, mc, kc, s.a);
                    PackedGemm.macroKernel(s, s.b, kc, mc, 0, nc, c2, c2Off + ic * ldc + jc, ldc, betaBlock);
                }
            }
        }
    }
}
