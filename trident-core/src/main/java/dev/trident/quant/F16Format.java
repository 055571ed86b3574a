package dev.trident.quant;

import java.lang.foreign.MemorySegment;

/** IEEE fp16, little-endian (GGML_TYPE_F16). Quantizing saturates at ±65504 rather than producing infinities. */
public record F16Format() implements WeightFormat {
    @Override public String name() { return "F16"; }
    @Override public int blockSize() { return 1; }
    @Override public int ggmlType() { return 1; }
    @Override public int blockBytes() { return 2; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            Float16.encodeSaturating(w, r * cols, row, 0, cols);
            MemorySegment.copy(row, 0, m.data(), Le.SHORT, r * rowBytes(cols), cols);
        }
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        short[] h = new short[m.cols()];
        MemorySegment.copy(m.data(), Le.SHORT, row * rowBytes(m.cols()), h, 0, h.length);
        Float16.decode(h, 0, dst, dstOff, h.length);
    }
}
