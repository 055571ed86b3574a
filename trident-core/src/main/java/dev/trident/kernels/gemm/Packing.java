package dev.trident.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Copies blocks of op(A) and op(B) into the contiguous, zero-padded layouts the {@link MicroKernel} streams through.
 * Transposes are resolved here, so the kernel only ever sees one layout.
 *
 * <ul>
 *   <li>A block (mc x kc) becomes ceil(mc / MR) micro-panels; panel i holds, for each p, the MR floats
 *       op(A)[i*MR .. i*MR+MR, p] (rows past mc are zero).</li>
 *   <li>B block (kc x nc) becomes ceil(nc / NR) micro-panels; panel j holds, for each p, the NR floats
 *       op(B)[p, j*NR .. j*NR+NR] (columns past nc are zero).</li>
 * </ul>
 */
public final class Packing {
    private static final int MR = MicroKernel.MR;
    private static final int NR = MicroKernel.NR;
    private static final VectorSpecies<Float> S = MicroKernel.S;
    private static final int L = MicroKernel.L;

    private Packing() {}

    /** Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into dst (from 0). */
    public static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int p0, int mc, int kc, float[] dst) {
        // Zero the padding rows of a partial last panel first (mc is not always a multiple of MR).
        int tail = mc % MR;
        if (tail != 0) Arrays.fill(dst, (mc - tail) * kc, (mc - tail + MR) * kc, 0f);
        if (transA) {
            // op(A)[i, p] = a[p * lda + i]: for each p the mc values are contiguous, so read them in one sweep
            // (one pass over memory rows instead of one per panel, which strides by lda and misses the TLB).
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                for (int ir = 0; ir < mc; ir += MR) {
                    System.arraycopy(a, src + ir, dst, ir * kc + p * MR, Math.min(MR, mc - ir));
                }
            }
        } else {
            // op(A)[i, p] = a[i * lda + p]: read each row sequentially, write with stride MR into its panel.
            for (int i = 0; i < mc; i++) {
                int src = aOff + (i0 + i) * lda + p0;
                int d = (i / MR) * MR * kc + i % MR; // panel start + row within the panel
                for (int p = 0; p < kc; p++) dst[d + p * MR] = a[src + p];
            }
        }
    }

    /**
     * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into dst from dstOff. Threads may pack disjoint panel ranges of one
     * block concurrently (j0 a multiple of NR apart, dstOff = panel * NR * kc).
     */
    public static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int j0, int kc, int nc,
                             float[] dst, int dstOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = dstOff + jr * kc; // panel start: dstOff + (jr / NR) * NR * kc
            if (cols < NR) Arrays.fill(dst, base, base + NR * kc, 0f);
            if (transB) {
                // op(B)[p, j] = b[j * ldb + p]: read each row of B sequentially, write with stride NR.
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + jr + j) * ldb + p0;
                    int d = base + j;
                    for (int p = 0; p < kc; p++) dst[d + p * NR] = b[src + p];
                }
            } else if (cols == NR) {
                // Full panel: each row segment is exactly two vectors (cheaper than an arraycopy call per row).
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jr, d = base + p * NR;
                    FloatVector.fromArray(S, b, src).intoArray(dst, d);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, d + L);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jr;
                    System.arraycopy(b, src, dst, base + p * NR, cols);
                }
            }
        }
    }
}
