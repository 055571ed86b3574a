package dev.trident.quant;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A rows x cols weight matrix in a {@link WeightFormat}, stored as the format's bytes in {@code data}: row r starts
 * at {@code r * format.rowBytes(cols)}, exactly as a GGUF tensor's data (so a memory-mapped GGUF slice can be
 * wrapped without a copy); FP8-block rows longer than {@link Fp8BlockFormat#PANEL} columns, stored in column
 * panels, are the one exception ({@link Fp8BlockFormat#offset}). {@code scales} holds FP8-block's separate fp32
 * {@code weight_scale_inv} grid (as DeepSeek-V3's safetensors store it next to the weight) and is
 * {@link MemorySegment#NULL} for every other format.
 */
public record QuantizedMatrix(WeightFormat format, int rows, int cols, MemorySegment data, MemorySegment scales) {
    public QuantizedMatrix {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(scales, "scales");
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        format.checkCols(cols);
        long need = (long) rows * format.rowBytes(cols);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(format.name() + " " + rows + " x " + cols + " needs " + need
                    + " bytes, segment has " + data.byteSize());
        }
        long needScales = format.scaleBytes(rows, cols);
        if (scales.byteSize() < needScales) {
            throw new IllegalArgumentException(format.name() + " needs " + needScales + " scale bytes, got " + scales.byteSize());
        }
    }

    /** Wraps existing bytes (e.g. a GGUF tensor's mmapped data) without copying. */
    public static QuantizedMatrix wrap(WeightFormat format, int rows, int cols, MemorySegment data) {
        return new QuantizedMatrix(format, rows, cols, data, MemorySegment.NULL);
    }

    /** Fresh zeroed storage for a rows x cols matrix of {@code format}, freed by the GC. */
    public static QuantizedMatrix allocate(WeightFormat format, int rows, int cols) {
        format.checkCols(cols);
        Arena arena = Arena.ofAuto();
        MemorySegment data = arena.allocate(Math.max(1, (long) rows * format.rowBytes(cols)), 64);
        long sb = format.scaleBytes(rows, cols);
        MemorySegment scales = sb == 0 ? MemorySegment.NULL : arena.allocate(sb, 64);
        return new QuantizedMatrix(format, rows, cols, data, scales);
    }

    public long rowBytes() {
        return format.rowBytes(cols);
    }

    /** Total bytes a GEMV streams: the data plus any separate scales. */
    public long byteSize() {
        return (long) rows * rowBytes() + format.scaleBytes(rows, cols);
    }

    public void dequantizeRow(int row, float[] dst, int dstOff) {
        Objects.checkIndex(row, rows);
        format.dequantizeRow(this, row, dst, dstOff);
    }

    /** The whole matrix as row-major fp32. */
    public float[] dequantize() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) format.dequantizeRow(this, r, out, r * cols);
        return out;
    }
}
