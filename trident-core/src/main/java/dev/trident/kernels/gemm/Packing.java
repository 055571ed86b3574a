package dev.trident.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
            // op(A)[i, p] = a[i * lda + p]: whole panels of 12 rows by register transposes of 16 rows (the last four
            // read but not stored, so the 16th row must exist), 16 columns at a time; the rest row by row, each read
            // sequentially and written with stride MR into its panel.
            int fast = L == 16 && MR == 12 ? kc / 16 * 16 : 0;
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir), src = aOff + (i0 + ir) * lda + p0, from = 0;
                if (rows == MR && fast > 0 && src + 15L * lda + fast <= a.length) {
                    transpose16(a, src, lda, fast, dst, ir * kc, MR, TWELVE);
                    from = fast;
                }
                for (int i = 0; i < rows; i++) {
                    int s = src + i * lda, d = ir * kc + i; // panel start + row within the panel
                    for (int p = from; p < kc; p++) dst[d + p * MR] = a[s + p];
                }
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
                // op(B)[p, j] = b[j * ldb + p]: rows of B are columns of the panel.
                int fast = L == 16 && cols == NR ? kc / 16 * 16 : 0; // register transposes for whole 16 x 16 blocks
                for (int h = 0; h < NR / 16 && fast > 0; h++)
                    transpose16(b, bOff + (j0 + jr + 16 * h) * ldb + p0, ldb, fast, dst, base + 16 * h, NR, ALL);
                for (int j = 0; j < cols; j++) { // the rest: read each row of B sequentially, write with stride NR
                    int src = bOff + (j0 + jr + j) * ldb + p0;
                    int d = base + j;
                    for (int p = fast; p < kc; p++) dst[d + p * NR] = b[src + p];
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

    // Two-source lane selections of the 16 x 16 transpose: stage s swaps, between rows i and i + s (bit s of i
    // clear), the lanes with bit s set in row i and the lanes with it clear in row i + s. Indices >= 16 pick from
    // the second vector.
    private static final FloatVector IA8 = select(8, true), IB8 = select(8, false), IA4 = select(4, true), IB4 = select(4, false),
            IA2 = select(2, true), IB2 = select(2, false), IA1 = select(1, true), IB1 = select(1, false);

    private static FloatVector select(int s, boolean first) {
        float[] idx = new float[L];
        for (int l = 0; l < L; l++) idx[l] = first ? ((l & s) == 0 ? l : L + l - s) : ((l & s) == 0 ? l + s : L + l);
        return FloatVector.fromArray(S, idx, 0);
    }

    /** Lanes stored by the transposes: all 16 (B panels), the first 12 (A panels, MR = 12). */
    private static final VectorMask<Float> ALL = S.maskAll(true), TWELVE = S.indexInRange(0, Math.min(12, L));

    /**
     * A transposing pack with 16-float vectors: 16 rows at src (ldb apart), 16 of their floats at a time, turned by
     * a 16 x 16 register transpose (4 stages of 16 two-vector selections) into 16 panel rows of the stored lanes,
     * stride apart from base, instead of 256 scalar stores at that stride. Columns [0, kc16), a multiple of 16.
     * B panels (NR = 32) take two calls of 16 rows each; A panels (MR = 12) store rows 0..11 of each transposed row.
     */
    private static void transpose16(float[] b, int src, int ldb, int kc16, float[] dst, int base, int stride, VectorMask<Float> lanes) {
        for (int p = 0; p < kc16; p += 16) {
            int d = base + p * stride;
                FloatVector r0 = FloatVector.fromArray(S, b, src + p);
                FloatVector r1 = FloatVector.fromArray(S, b, src + 1 * ldb + p);
                FloatVector r2 = FloatVector.fromArray(S, b, src + 2 * ldb + p);
                FloatVector r3 = FloatVector.fromArray(S, b, src + 3 * ldb + p);
                FloatVector r4 = FloatVector.fromArray(S, b, src + 4 * ldb + p);
                FloatVector r5 = FloatVector.fromArray(S, b, src + 5 * ldb + p);
                FloatVector r6 = FloatVector.fromArray(S, b, src + 6 * ldb + p);
                FloatVector r7 = FloatVector.fromArray(S, b, src + 7 * ldb + p);
                FloatVector r8 = FloatVector.fromArray(S, b, src + 8 * ldb + p);
                FloatVector r9 = FloatVector.fromArray(S, b, src + 9 * ldb + p);
                FloatVector r10 = FloatVector.fromArray(S, b, src + 10 * ldb + p);
                FloatVector r11 = FloatVector.fromArray(S, b, src + 11 * ldb + p);
                FloatVector r12 = FloatVector.fromArray(S, b, src + 12 * ldb + p);
                FloatVector r13 = FloatVector.fromArray(S, b, src + 13 * ldb + p);
                FloatVector r14 = FloatVector.fromArray(S, b, src + 14 * ldb + p);
                FloatVector r15 = FloatVector.fromArray(S, b, src + 15 * ldb + p);
                FloatVector t8_0 = IA8.selectFrom(r0, r8), t8_8 = IB8.selectFrom(r0, r8);
                FloatVector t8_1 = IA8.selectFrom(r1, r9), t8_9 = IB8.selectFrom(r1, r9);
                FloatVector t8_2 = IA8.selectFrom(r2, r10), t8_10 = IB8.selectFrom(r2, r10);
                FloatVector t8_3 = IA8.selectFrom(r3, r11), t8_11 = IB8.selectFrom(r3, r11);
                FloatVector t8_4 = IA8.selectFrom(r4, r12), t8_12 = IB8.selectFrom(r4, r12);
                FloatVector t8_5 = IA8.selectFrom(r5, r13), t8_13 = IB8.selectFrom(r5, r13);
                FloatVector t8_6 = IA8.selectFrom(r6, r14), t8_14 = IB8.selectFrom(r6, r14);
                FloatVector t8_7 = IA8.selectFrom(r7, r15), t8_15 = IB8.selectFrom(r7, r15);
                FloatVector t4_0 = IA4.selectFrom(t8_0, t8_4), t4_4 = IB4.selectFrom(t8_0, t8_4);
                FloatVector t4_1 = IA4.selectFrom(t8_1, t8_5), t4_5 = IB4.selectFrom(t8_1, t8_5);
                FloatVector t4_2 = IA4.selectFrom(t8_2, t8_6), t4_6 = IB4.selectFrom(t8_2, t8_6);
                FloatVector t4_3 = IA4.selectFrom(t8_3, t8_7), t4_7 = IB4.selectFrom(t8_3, t8_7);
                FloatVector t4_8 = IA4.selectFrom(t8_8, t8_12), t4_12 = IB4.selectFrom(t8_8, t8_12);
                FloatVector t4_9 = IA4.selectFrom(t8_9, t8_13), t4_13 = IB4.selectFrom(t8_9, t8_13);
                FloatVector t4_10 = IA4.selectFrom(t8_10, t8_14), t4_14 = IB4.selectFrom(t8_10, t8_14);
                FloatVector t4_11 = IA4.selectFrom(t8_11, t8_15), t4_15 = IB4.selectFrom(t8_11, t8_15);
                FloatVector t2_0 = IA2.selectFrom(t4_0, t4_2), t2_2 = IB2.selectFrom(t4_0, t4_2);
                FloatVector t2_1 = IA2.selectFrom(t4_1, t4_3), t2_3 = IB2.selectFrom(t4_1, t4_3);
                FloatVector t2_4 = IA2.selectFrom(t4_4, t4_6), t2_6 = IB2.selectFrom(t4_4, t4_6);
                FloatVector t2_5 = IA2.selectFrom(t4_5, t4_7), t2_7 = IB2.selectFrom(t4_5, t4_7);
                FloatVector t2_8 = IA2.selectFrom(t4_8, t4_10), t2_10 = IB2.selectFrom(t4_8, t4_10);
                FloatVector t2_9 = IA2.selectFrom(t4_9, t4_11), t2_11 = IB2.selectFrom(t4_9, t4_11);
                FloatVector t2_12 = IA2.selectFrom(t4_12, t4_14), t2_14 = IB2.selectFrom(t4_12, t4_14);
                FloatVector t2_13 = IA2.selectFrom(t4_13, t4_15), t2_15 = IB2.selectFrom(t4_13, t4_15);
                FloatVector t1_0 = IA1.selectFrom(t2_0, t2_1), t1_1 = IB1.selectFrom(t2_0, t2_1);
                FloatVector t1_2 = IA1.selectFrom(t2_2, t2_3), t1_3 = IB1.selectFrom(t2_2, t2_3);
                FloatVector t1_4 = IA1.selectFrom(t2_4, t2_5), t1_5 = IB1.selectFrom(t2_4, t2_5);
                FloatVector t1_6 = IA1.selectFrom(t2_6, t2_7), t1_7 = IB1.selectFrom(t2_6, t2_7);
                FloatVector t1_8 = IA1.selectFrom(t2_8, t2_9), t1_9 = IB1.selectFrom(t2_8, t2_9);
                FloatVector t1_10 = IA1.selectFrom(t2_10, t2_11), t1_11 = IB1.selectFrom(t2_10, t2_11);
                FloatVector t1_12 = IA1.selectFrom(t2_12, t2_13), t1_13 = IB1.selectFrom(t2_12, t2_13);
                FloatVector t1_14 = IA1.selectFrom(t2_14, t2_15), t1_15 = IB1.selectFrom(t2_14, t2_15);
                t1_0.intoArray(dst, d, lanes);
                t1_1.intoArray(dst, d + 1 * stride, lanes);
                t1_2.intoArray(dst, d + 2 * stride, lanes);
                t1_3.intoArray(dst, d + 3 * stride, lanes);
                t1_4.intoArray(dst, d + 4 * stride, lanes);
                t1_5.intoArray(dst, d + 5 * stride, lanes);
                t1_6.intoArray(dst, d + 6 * stride, lanes);
                t1_7.intoArray(dst, d + 7 * stride, lanes);
                t1_8.intoArray(dst, d + 8 * stride, lanes);
                t1_9.intoArray(dst, d + 9 * stride, lanes);
                t1_10.intoArray(dst, d + 10 * stride, lanes);
                t1_11.intoArray(dst, d + 11 * stride, lanes);
                t1_12.intoArray(dst, d + 12 * stride, lanes);
                t1_13.intoArray(dst, d + 13 * stride, lanes);
                t1_14.intoArray(dst, d + 14 * stride, lanes);
                t1_15.intoArray(dst, d + 15 * stride, lanes);
        }
    }
}
