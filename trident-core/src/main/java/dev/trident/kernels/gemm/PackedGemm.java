package dev.trident.kernels.gemm;

/**
 * The blocked, packed GEMM on one rectangle of C, run by a single thread:
 * <pre>
 * for jc over N by NC:
 *   for pc over K by KC:          pack B[pc.., jc..] (KC x NC)           -> scratch.b
 *     for ic over M by MC:        pack A[ic.., pc..] (MC x KC)           -> scratch.a
 *       for jr over NC by NR:
 *         for ir over MC by MR:   MicroKernel on one MR x NR tile of C
 * </pre>
 * beta is applied on the first KC block only; later blocks accumulate into C.
 */
public final class PackedGemm {
    private PackedGemm() {}

    /**
     * Per-thread packing buffers, reused by every call on that thread. They grow to the largest block seen
     * (at most MC x KC and KC x NC), so a thread that only multiplies small matrices keeps small buffers.
     */
    public static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MicroKernel.MR * MicroKernel.NR];

        private float[] row = new float[0];

        /** A buffer of at least len floats for {@link SmallGemm}'s gathered row of a transposed A. */
        float[] row(int len) {
            if (row.length < len) row = new float[len];
            return row;
        }

        void ensure(int aLen, int bLen) {
            if (a.length < aLen) a = new float[aLen];
            if (b.length < bLen) b = new float[bLen];
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** This thread's scratch. */
    public static Scratch scratch() {
        return SCRATCH.get();
    }

    /** C[i0..i1, j0..j1) = op(A) op(B) + beta C for that rectangle (full k). */
    public static void run(boolean transA, boolean transB, int k,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc,
                           int i0, int i1, int j0, int j1, Blocking bl, Scratch s) {
        run(transA, k, a, aOff, lda, PanelSource.of(transB, b, bOff, ldb), beta, c, cOff, ldc, i0, i1, j0, j1, bl, s);
    }

    /** The same with B's panels from a {@link PanelSource}. */
    public static void run(boolean transA, int k, float[] a, int aOff, int lda, PanelSource b,
                           float beta, float[] c, int cOff, int ldc,
                           int i0, int i1, int j0, int j1, Blocking bl, Scratch s) {
        int kcMax = Math.min(bl.kc(), k);
        s.ensure(Blocking.roundUp(Math.min(bl.mc(), i1 - i0), MicroKernel.MR) * kcMax,
                Blocking.roundUp(Math.min(bl.nc(), j1 - j0), MicroKernel.NR) * kcMax);
        for (int jc = j0; jc < j1; jc += bl.nc()) {
            int nc = Math.min(bl.nc(), j1 - jc);
            for (int pc = 0; pc < k; pc += bl.kc()) {
                int kc = Math.min(bl.kc(), k - pc);
                float betaBlock = pc == 0 ? beta : 1f;
                b.pack(pc, jc, kc, nc, s.b, 0);
                for (int ic = i0; ic < i1; ic += bl.mc()) {
                    int mc = Math.min(bl.mc(), i1 - ic);
                    Packing.packA(transA, a, aOff, lda, ic, pc, mc, kc, s.a);
                    macroKernel(s, s.b, kc, mc, 0, nc, c, cOff + ic * ldc + jc, ldc, betaBlock);
                }
            }
        }
    }

    /**
     * Multiplies the packed A block in s.a (mc x kc) by columns [jr0, jr1) of a packed B block bp (kc x nc,
     * jr0 a multiple of NR) into C, where cIdx is the index of C[ic, jc] (the blocks' top-left corner).
     */
    static void macroKernel(Scratch s, float[] bp, int kc, int mc, int jr0, int jr1,
                            float[] c, int cIdx, int ldc, float beta) {
        final int MR = MicroKernel.MR, NR = MicroKernel.NR;
        for (int jr = jr0; jr < jr1; jr += NR) {
            int nr = Math.min(NR, jr1 - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                MicroKernel.kernel(kc, s.a, ir * kc, bp, jr * kc, s.tile);
                MicroKernel.merge(s.tile, c, cIdx + ir * ldc + jr, ldc, beta, mr, nr);
            }
        }
    }
}
