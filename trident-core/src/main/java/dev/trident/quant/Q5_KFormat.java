package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML Q5_K (llama.cpp's Q5_K_M files): Q4_K with a fifth bit, super-blocks of 256 weights in 176 bytes:
 * <pre>
 *   offset  0  fp16 d, offset 2 fp16 dmin, offset 4 u8 scales[12]   exactly as Q4_K ({@link Q4_KFormat})
 *   offset 16  u8 qh[32]         fifth bits: bit 2g of qh[l] for element l of sub-block 2g, bit 2g+1 for 2g+1
 *   offset 48  u8 qs[128]        low 4 bits, four groups of 32 bytes laid out as Q4_K's
 * </pre>
 * x ~= d * sc_j * q - dmin * m_j, q in 0..31. Quantization follows {@code quantize_row_q5_K_ref}: Q4_K's fit with
 * 32 levels, rmin -0.5 and 15 steps ({@link Q4_KFormat#fitSuperBlock}).
 */
public record Q5_KFormat() implements WeightFormat {
    public static final int BLOCK = 256;
    public static final int BLOCK_BYTES = 176;
    /** Byte offsets inside a super-block (d, dmin and scales where Q4_K has them). */
    public static final int D = 0, DMIN = 2, SCALES = 4, QH = 16, QS = 48;

    @Override public String name() { return "Q5_K"; }
    @Override public int blockSize() { return BLOCK; }
    @Override public int ggmlType() { return 13; }
    @Override public int blockBytes() { return BLOCK_BYTES; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        long n = (long) rows * cols / BLOCK;
        Q4_KFormat.Scratch t = new Q4_KFormat.Scratch();
        for (long b = 0; b < n; b++) {
            long off = b * BLOCK_BYTES;
            Q4_KFormat.fitSuperBlock(w, (int) (b * BLOCK), m.data(), off, t, 31, -0.5f, 15);
            for (int l = 0; l < 32; l++) {
                int qh = 0;
                for (int g = 0; g < 4; g++) {
                    int l1 = t.l[64 * g + l], l2 = t.l[64 * g + 32 + l];
                    qh |= (l1 >> 4) << (2 * g) | (l2 >> 4) << (2 * g + 1);
                    m.data().set(ValueLayout.JAVA_BYTE, off + QS + 32 * g + l, (byte) ((l1 & 0xF) | (l2 & 0xF) << 4));
                }
                m.data().set(ValueLayout.JAVA_BYTE, off + QH + l, (byte) qh);
            }
        }
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment s = m.data();
        long base = row * rowBytes(m.cols());
        for (int b = 0; b < m.cols() / BLOCK; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Le.half(s, off + D), dmin = Le.half(s, off + DMIN);
            for (int g = 0; g < 4; g++) {
                int sm1 = Q4_KFormat.scaleMin(s, off + SCALES, 2 * g), sm2 = Q4_KFormat.scaleMin(s, off + SCALES, 2 * g + 1);
                float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8), d2 = d * (sm2 & 0xFF), m2 = dmin * (sm2 >>> 8);
                int o = dstOff + b * BLOCK + 64 * g;
                for (int l = 0; l < 32; l++) {
                    int q = s.get(ValueLayout.JAVA_BYTE, off + QS + 32L * g + l) & 0xFF, h = s.get(ValueLayout.JAVA_BYTE, off + QH + l) & 0xFF;
                    dst[o + l] = d1 * ((q & 0xF) + ((h >> (2 * g) & 1) << 4)) - m1;
                    dst[o + 32 + l] = d2 * ((q >> 4) + ((h >> (2 * g + 1) & 1) << 4)) - m2;
                }
            }
        }
    }
}
