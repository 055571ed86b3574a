package dev.trident.quant;

import java.lang.foreign.MemorySegment;

/** bfloat16, little-endian (GGML_TYPE_BF16): round to nearest even, like ggml's fp32 -> bf16. */
public record BF16Format() implements WeightFormat {
    @Override public String name() { return "BF16"; }
    @Override public int blockSize() { return 1; }
    @Override public int ggmlType() { return 30; }
    @Override public int blockBytes() { return 2; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            BFloat16.encode(w, r * cols, row, 0, cols);
            MemorySegment.copy(row, 0, m.data(), Le.SHORT, r * rowBytes(cols), cols);
        }
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        short[] h = new short[m.cols()];
        MemorySegment.copy(m.data(), Le.SHORT, row * rowBytes(m.cols()), h, 0, h.length);
        BFloat16.decode(h, 0, dst, dstOff, h.length);
    }
}
