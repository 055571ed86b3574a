package dev.trident.quant;

import java.util.Objects;

/**
 * A weight matrix W [rows, cols] that inference multiplies activations by (y = x W^T), in whatever form it is
 * stored: {@link Dense} fp32 in a Java array (the training model's own array, shared, not copied), or
 * {@link Quantized}, the bytes of any {@link WeightFormat} in a {@code MemorySegment} (quantized in memory, or a
 * slice of a memory-mapped GGUF file, not copied either).
 */
public sealed interface WeightMatrix permits WeightMatrix.Dense, WeightMatrix.Quantized {
    int rows();

    int cols();

    WeightFormat format();

    /** Bytes a pass over the whole matrix reads (scales included). */
    long byteSize();

    /** Row {@code row} as fp32 into {@code dst[off, off + cols)}. */
    void dequantizeRow(int row, float[] dst, int off);

    /** The whole matrix as a fresh row-major fp32 array. */
    default float[] dequantize() {
        float[] out = new float[Math.multiplyExact(rows(), cols())];
        for (int r = 0; r < rows(); r++) dequantizeRow(r, out, r * cols());
        return out;
    }

    /** fp32 rows x cols starting at {@code data[offset]}, row-major; the array is shared, not copied. */
    record Dense(float[] data, int offset, int rows, int cols) implements WeightMatrix {
        public Dense {
            Objects.requireNonNull(data, "data");
            if (rows < 0 || cols < 0 || offset < 0 || (long) offset + (long) rows * cols > data.length)
                throw new IllegalArgumentException(rows + " x " + cols + " at " + offset + " does not fit " + data.length + " floats");
        }

        @Override public WeightFormat format() { return WeightFormat.F32; }

        @Override public long byteSize() { return 4L * rows * cols; }

        @Override
        public void dequantizeRow(int row, float[] dst, int off) {
            Objects.checkIndex(row, rows);
            System.arraycopy(data, offset + row * cols, dst, off, cols);
        }

        /** Rows [from, from + count) as a matrix over the same array. */
        public Dense rowSlice(int from, int count) {
            Objects.checkFromIndexSize(from, count, rows);
            return new Dense(data, offset + from * cols, count, cols);
        }
    }

    /** Any {@link WeightFormat}'s bytes, read in place. */
    record Quantized(QuantizedMatrix matrix) implements WeightMatrix {
        public Quantized {
            Objects.requireNonNull(matrix, "matrix");
        }

        @Override public int rows() { return matrix.rows(); }

        @Override public int cols() { return matrix.cols(); }

        @Override public WeightFormat format() { return matrix.format(); }

        @Override public long byteSize() { return matrix.byteSize(); }

        @Override
        public void dequantizeRow(int row, float[] dst, int off) {
            matrix.dequantizeRow(row, dst, off);
        }
    }

    /** The whole of {@code data} as a rows x cols fp32 matrix, shared. */
    static WeightMatrix of(float[] data, int rows, int cols) {
        if ((long) rows * cols != data.length)
            throw new IllegalArgumentException(rows + " x " + cols + " for " + data.length + " floats");
        return new Dense(data, 0, rows, cols);
    }

    static WeightMatrix of(QuantizedMatrix m) {
        return new Quantized(m);
    }

    /**
     * {@code w} (rows x cols fp32) in {@code format}: shared as is for F32, quantized otherwise. Throws if the
     * format cannot hold rows of this length (see {@link WeightFormat#checkCols}).
     */
    static WeightMatrix of(float[] w, int rows, int cols, WeightFormat format) {
        return format instanceof F32Format ? of(w, rows, cols) : of(format.quantize(w, rows, cols));
    }
}
