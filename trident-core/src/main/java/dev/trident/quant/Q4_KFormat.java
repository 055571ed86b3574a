package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML Q4_K: super-blocks of 256 weights in 144 bytes, eight sub-blocks of 32 with their own 6-bit scale and min:
 * <pre>
 *   offset  0  fp16 d            super-block scale of the sub-block scales
 *   offset  2  fp16 dmin         super-block scale of the sub-block mins
 *   offset  4  u8 scales[12]     eight 6-bit (sc, m) pairs, packed:
 *                                  j < 4:  sc_j = scales[j] &amp; 63,  m_j = scales[j + 4] &amp; 63
 *                                  j >= 4: sc_j = scales[j + 4] &amp; 15 | (scales[j - 4] >> 6) << 4
 *                                          m_j  = scales[j + 4] >> 4 | (scales[j]     >> 6) << 4
 *   offset 16  u8 qs[128]        four groups of 32 bytes; group g holds sub-block 2g in the low nibbles and
 *                                sub-block 2g+1 in the high nibbles (element l of each at byte l)
 * </pre>
 * x ~= d * sc_j * q - dmin * m_j, q in 0..15. Quantization follows {@code quantize_row_q4_K_ref}: per sub-block a
 * weighted least-squares search for (scale, min) ({@code make_qkx2_quants} with rmin -1, rdelta 0.1, 20 steps,
 * weights av|x| + |x|), then scales and mins quantized to 6 bits against their maxima, then q recomputed with the
 * quantized scales.
 */
public record Q4_KFormat() implements WeightFormat {
    public static final int BLOCK = 256;
    public static final int BLOCK_BYTES = 144;
    /** Byte offsets inside a super-block. */
    public static final int D = 0, DMIN = 2, SCALES = 4, QS = 16;

    @Override public String name() { return "Q4_K"; }
    @Override public int blockSize() { return BLOCK; }
    @Override public int ggmlType() { return 12; }
    @Override public int blockBytes() { return BLOCK_BYTES; }

    /** Sub-block j's 6-bit scale (low byte) and min (second byte) from the 12 packed bytes at {@code off}. */
    public static int scaleMin(MemorySegment s, long off, int j) {
        int sc, m;
        if (j < 4) {
            sc = u8(s, off + j) & 63;
            m = u8(s, off + j + 4) & 63;
        } else {
            sc = (u8(s, off + j + 4) & 0xF) | (u8(s, off + j - 4) >>> 6) << 4;
            m = (u8(s, off + j + 4) >>> 4) | (u8(s, off + j) >>> 6) << 4;
        }
        return sc | m << 8;
    }

    /**
     * {@link #scaleMin} from the 12 packed bytes read as one little-endian long (bytes 0..7) and int (8..11):
     * no memory access per sub-block (the kernels read the two words once per super-block).
     */
    public static int scaleMin(long lo8, int hi4, int j) {
        int sc, m;
        if (j < 4) {
            sc = (int) (lo8 >>> (8 * j)) & 63;
            m = (int) (lo8 >>> (8 * j + 32)) & 63;
        } else {
            int b = hi4 >>> (8 * (j - 4)) & 0xFF;                 // byte j + 4
            sc = (b & 0xF) | ((int) (lo8 >>> (8 * (j - 4) + 6)) & 3) << 4;  // top bits of byte j - 4
            m = (b >>> 4) | ((int) (lo8 >>> (8 * j + 6)) & 3) << 4;          // top bits of byte j
        }
        return sc | m << 8;
    }

    /** The 12 packed scale bytes at off as {bytes 0..7 as a long, bytes 8..11 as an int}: see {@link #scaleMin(long, int, int)}. */
    public static long scaleWordLo(MemorySegment s, long off) {
        return s.get(LONG_LE, off);
    }

    public static int scaleWordHi(MemorySegment s, long off) {
        return s.get(INT_LE, off + 8);
    }

    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        long n = (long) rows * cols / BLOCK;
        Scratch scratch = new Scratch();
        for (long b = 0; b < n; b++) quantizeBlock(w, (int) (b * BLOCK), m.data(), b * BLOCK_BYTES, scratch);
        return m;
    }

    /** Per-quantization scratch (levels, fit buffers), shared with {@link Q5_KFormat}. */
    static final class Scratch {
        final int[] l = new int[BLOCK];
        final int[] laux = new int[32];
        final float[] weights = new float[32];
        final float[] scales = new float[8];
        final float[] mins = new float[8];
    }

    private static void quantizeBlock(float[] x, int xOff, MemorySegment dst, long off, Scratch t) {
        fitSuperBlock(x, xOff, dst, off, t, 15, -1f, 20);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int q = t.l[64 * g + l] | t.l[64 * g + 32 + l] << 4;
                dst.set(ValueLayout.JAVA_BYTE, off + QS + 32 * g + l, (byte) q);
            }
        }
    }

    /**
     * What quantize_row_q4_K_ref and quantize_row_q5_K_ref share: per sub-block of 32 the weighted (scale, min) fit
     * with levels 0..nmax, the eight scales and mins quantized to 6 bits and packed with d and dmin at {@code off},
     * then the levels recomputed with the stored scales into {@code t.l} (the caller packs them).
     */
    static void fitSuperBlock(float[] x, int xOff, MemorySegment dst, long off, Scratch t, int nmax, float rmin, int nstep) {
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int o = xOff + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[o + l] * x[o + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) t.weights[l] = avX + Math.abs(x[o + l]);
            t.scales[j] = makeQkx2Quants(32, nmax, x, o, t.weights, t.l, 32 * j, t.mins, j, t.laux, rmin, 0.1f, nstep);
            maxScale = Math.max(maxScale, t.scales[j]);
            maxMin = Math.max(maxMin, t.mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] packed = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * t.scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * t.mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                packed[j - 4] |= (byte) ((ls >> 4) << 6);
                packed[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        Le.putHalf(dst, off + D, maxScale / 63f);
        Le.putHalf(dst, off + DMIN, maxMin / 63f);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, off + SCALES, 12);
        float d = Le.half(dst, off + D), dmin = Le.half(dst, off + DMIN);
        for (int j = 0; j < 8; j++) {
            int sm = scaleMin(dst, off + SCALES, j);
            float dj = d * (sm & 0xFF);
            if (dj == 0) continue; // keeps the L from the search, as the reference does
            float mj = dmin * (sm >>> 8);
            for (int i = 0; i < 32; i++) {
                int q = nearestInt((x[xOff + 32 * j + i] + mj) / dj);
                t.l[32 * j + i] = Math.max(0, Math.min(nmax, q));
            }
        }
    }

    /** ggml's nearest_int: round to nearest, ties to even (it adds 1.5 * 2^23 in float). */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * Weighted fit of x ~= scale * L + min with L in 0..nmax, min <= 0: start from (max - min) / nmax, then try
     * nstep+1 nearby inverse scales, solving the 2x2 least-squares for (scale, min) at each, keeping the best
     * weighted squared error. Returns the scale; stores -min into {@code theMin[mi]} and the levels into L.
     * Arithmetic is float, in the reference's order.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                float[] theMin, int mi, int[] laux, float rmin, float rdelta, int nstep) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1) {
            theMin[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[mi] = -min;
        return scale;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment s = m.data();
        long base = row * rowBytes(m.cols());
        for (int b = 0; b < m.cols() / BLOCK; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Le.half(s, off + D), dmin = Le.half(s, off + DMIN);
            int o = dstOff + b * BLOCK;
            for (int g = 0; g < 4; g++) {
                int sm0 = scaleMin(s, off + SCALES, 2 * g), sm1 = scaleMin(s, off + SCALES, 2 * g + 1);
                float d0 = d * (sm0 & 0xFF), m0 = dmin * (sm0 >>> 8);
                float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8);
                for (int l = 0; l < 32; l++) {
                    int q = u8(s, off + QS + 32 * g + l);
                    dst[o + 64 * g + l] = d0 * (q & 0xF) - m0;
                    dst[o + 64 * g + 32 + l] = d1 * (q >>> 4) - m1;
                }
            }
        }
    }
}
