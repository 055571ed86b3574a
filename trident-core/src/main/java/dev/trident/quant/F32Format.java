package dev.trident.quant;

import java.lang.foreign.MemorySegment;

/** Plain little-endian fp32 (GGML_TYPE_F32). */
public record F32Format() implements WeightFormat {
    @Override public String name() { return "F32"; }
    @Override public int blockSize() { return 1; }
    @Override public int ggmlType() { return 0; }
    @Override public int blockBytes() { return 4; }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        MemorySegment.copy(w, 0, m.data(), Le.FLOAT, 0, Math.multiplyExact(rows, cols));
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        MemorySegment.copy(m.data(), Le.FLOAT, row * rowBytes(m.cols()), dst, dstOff, m.cols());
    }
}
