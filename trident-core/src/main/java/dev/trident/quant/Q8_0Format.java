package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML Q8_0: blocks of 32 weights, 34 bytes each:
 * <pre>
 *   offset 0  fp16 d          scale, d = max|x| / 127
 *   offset 2  int8 qs[32]     x[i] ~= d * qs[i]
 * </pre>
 * Quantization follows {@code quantize_row_q8_0_ref}: q = roundf(x / d), rounding half away from zero, with
 * {@code 1/d} computed in float and d stored as fp16 (round to nearest even).
 */
public record Q8_0Format() implements WeightFormat {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;

    @Override public String name() { return "Q8_0"; }
    @Override public int blockSize() { return BLOCK; }
    @Override public int ggmlType() { return 8; }
    @Override public int blockBytes() { return BLOCK_BYTES; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        long n = (long) rows * cols / BLOCK;
        for (long b = 0; b < n; b++) quantizeBlock(w, (int) (b * BLOCK), m.data(), b * BLOCK_BYTES);
        return m;
    }

    /** One block, as {@code quantize_row_q8_0_ref}. */
    static void quantizeBlock(float[] x, int xOff, MemorySegment dst, long off) {
        float amax = 0;
        for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(x[xOff + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        Le.putHalf(dst, off, d);
        for (int j = 0; j < BLOCK; j++) dst.set(ValueLayout.JAVA_BYTE, off + 2 + j, (byte) roundHalfAway(x[xOff + j] * id));
    }

    /** C's roundf: halves go away from zero (Math.round would send -2.5 to -2). */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment s = m.data();
        long base = row * rowBytes(m.cols());
        for (int b = 0; b < m.cols() / BLOCK; b++) {
            long off = base + (long) b * BLOCK_BYTES;
            float d = Le.half(s, off);
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b * BLOCK + j] = d * s.get(ValueLayout.JAVA_BYTE, off + 2 + j);
        }
    }
}
