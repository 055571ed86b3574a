package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML Q4_0: blocks of 32 weights, 18 bytes each:
 * <pre>
 *   offset 0  fp16 d          d = max / -8, where max is the value of largest magnitude (sign kept)
 *   offset 2  u8 qs[16]       qs[j] = q[j] | q[j + 16] << 4: low nibbles are elements 0..15, high nibbles 16..31
 * </pre>
 * x[i] ~= (q[i] - 8) * d, q in 0..15. Quantization follows {@code quantize_row_q4_0_ref}: q = min(15, trunc(x/d + 8.5)).
 */
public record Q4_0Format() implements WeightFormat {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;

    @Override public String name() { return "Q4_0"; }
    @Override public int blockSize() { return BLOCK; }
    @Override public int ggmlType() { return 2; }
    @Override public int blockBytes() { return BLOCK_BYTES; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        long n = (long) rows * cols / BLOCK;
        for (long b = 0; b < n; b++) quantizeBlock(w, (int) (b * BLOCK), m.data(), b * BLOCK_BYTES);
        return m;
    }

    static void quantizeBlock(float[] x, int xOff, MemorySegment dst, long off) {
        float amax = 0, max = 0;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[xOff + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        Le.putHalf(dst, off, d);
        for (int j = 0; j < BLOCK / 2; j++) {
            int lo = Math.min(15, (int) (x[xOff + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[xOff + 16 + j] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, off + 2 + j, (byte) (lo | hi << 4));
        }
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment s = m.data();
        long base = row * rowBytes(m.cols());
        for (int b = 0; b < m.cols() / BLOCK; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Le.half(s, off);
            int o = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = s.get(ValueLayout.JAVA_BYTE, off + 2 + j) & 0xFF;
                dst[o + j] = ((q & 0xF) - 8) * d;
                dst[o + 16 + j] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
