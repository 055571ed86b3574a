package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML Q6_K: super-blocks of 256 weights, 210 bytes each, sixteen sub-blocks of 16 with an int8 scale each
 * (llama.cpp's Q4_K_M mixes keep the output head, the embedding and some attn_v / ffn_down tensors in it):
 * <pre>
 *   offset   0  uint8 ql[128]    low 4 bits of the quants
 *   offset 128  uint8 qh[64]     high 2 bits
 *   offset 192  int8  scales[16] sub-block scales
 *   offset 208  fp16  d          super-block scale;  x = d * scales[s] * (q - 32), q in 0..63
 * </pre>
 * Each half of 128 weights uses 64 bytes of ql and 32 of qh: for l in 0..31, weights l, l + 32, l + 64, l + 96 of the
 * half are the low nibble of ql[l], the low nibble of ql[l + 32], the high nibble of ql[l] and the high nibble of
 * ql[l + 32], with bits (0-1), (2-3), (4-5), (6-7) of qh[l] on top; the weight at position p of the half has
 * scale 8 * half + p / 16. Quantization follows {@code quantize_row_q6_K_ref}: per sub-block a weighted fit of 64
 * levels (make_qx_quants, weights x^2, 19 trial scales), the sixteen scales then quantized to int8 against the
 * largest, and the levels recomputed with the rounded scales; float arithmetic in the reference's order.
 */
public record Q6_KFormat() implements WeightFormat {
    public static final int BLOCK = 256;
    public static final int BLOCK_BYTES = 210;
    public static final int QL = 0, QH = 128, SCALES = 192, D = 208;
    private static final float GROUP_MAX_EPS = 1e-15f;

    @Override public String name() { return "Q6_K"; }
    @Override public int blockSize() { return BLOCK; }
    @Override public int ggmlType() { return 14; }
    @Override public int blockBytes() { return BLOCK_BYTES; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        long n = (long) rows * cols / BLOCK;
        int[] levels = new int[BLOCK];
        float[] scales = new float[16];
        for (long b = 0; b < n; b++) quantizeBlock(w, (int) (b * BLOCK), m.data(), b * BLOCK_BYTES, levels, scales);
        return m;
    }

    /** One super-block, as {@code quantize_row_q6_K_ref}. */
    private static void quantizeBlock(float[] x, int xo, MemorySegment dst, long off, int[] L, float[] scales) {
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < BLOCK_BYTES; i++) dst.set(ValueLayout.JAVA_BYTE, off + i, (byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        Le.putHalf(dst, off + D, 1 / iscale);
        float d = Le.half(dst, off + D);
        for (int ib = 0; ib < 16; ib++) dst.set(ValueLayout.JAVA_BYTE, off + SCALES + ib, (byte) Math.min(127, Q4_KFormat.nearestInt(iscale * scales[ib])));
        for (int j = 0; j < 16; j++) {
            float dj = d * dst.get(ValueLayout.JAVA_BYTE, off + SCALES + j);
            if (dj == 0) continue; // the levels keep the fit's values; they decode to 0 either way
            for (int i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, Q4_KFormat.nearestInt(x[xo + 16 * j + i] / dj))) + 32;
        }
        for (int h = 0; h < 2; h++) {
            long ql = off + QL + 64L * h, qh = off + QH + 32L * h;
            int base = 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = L[base + l], q2 = L[base + l + 32], q3 = L[base + l + 64], q4 = L[base + l + 96];
                dst.set(ValueLayout.JAVA_BYTE, ql + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, ql + l + 32, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, qh + l, (byte) (q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
    }

    /**
     * ggml's make_qx_quants for 16 values, nmax 32, rmse_type 1 (weights x^2): levels L in 0..63 around the
     * scale -32 / max, then 18 trial scales -(32 + 0.1 is) / max, keeping the one with the best weighted fit.
     */
    static float makeQxQuants(float[] x, int xo, int[] L, int lo) {
        final int n = 16, nmax = 32;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, Q4_KFormat.nearestInt(iscale * x[xo + i])));
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, Q4_KFormat.nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++)
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, Q4_KFormat.nearestInt(iscale * x[xo + i])));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment s = m.data();
        long base = row * rowBytes(m.cols());
        for (int b = 0; b < m.cols() / BLOCK; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Le.half(s, off + D);
            for (int h = 0; h < 2; h++) {
                long ql = off + QL + 64L * h, qh = off + QH + 32L * h, sc = off + SCALES + 8L * h;
                int o = dstOff + b * BLOCK + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16, hb = u8(s, qh + l), lo = u8(s, ql + l), hi = u8(s, ql + l + 32);
                    dst[o + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * (((lo & 0xF) | (hb & 3) << 4) - 32);
                    dst[o + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((hi & 0xF) | (hb >> 2 & 3) << 4) - 32);
                    dst[o + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * ((lo >> 4 | (hb >> 4 & 3) << 4) - 32);
                    dst[o + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * ((hi >> 4 | (hb >> 6) << 4) - 32);
                }
            }
        }
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }
}
