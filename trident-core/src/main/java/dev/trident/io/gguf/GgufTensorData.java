package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;

import java.lang.foreign.MemorySegment;

/**
 * Converts between fp32 rows and the bytes of a GGUF tensor: both ways for the element types Trident's
 * {@link WeightFormat}s implement byte for byte (F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q4_0, Q4_K), and reading for the other
 * common block types ({@link GgmlDequantizer}: Q4_1, Q5_0, Q5_1, Q2_K, Q3_K). Rows are ggml rows
 * ({@code ne[0]} values each).
 */
public final class GgufTensorData {
    private GgufTensorData() {}

    /** The weight format storing ggml type t, or null if Trident has none. */
    public static WeightFormat format(GgmlType t) {
        for (WeightFormat f : WeightFormat.all()) if (f.ggmlType() == t.id()) return f;
        return null;
    }

    /** The ggml type of format f; FP8-block has none (a one-line TridentException says so). */
    public static GgmlType type(WeightFormat f) {
        GgmlType t = GgmlType.byId(f.ggmlType());
        if (f.ggmlType() < 0 || t == null) {
            throw new TridentException(f.name().toLowerCase(java.util.Locale.ROOT) + " has no GGUF tensor type (llama.cpp has no "
                    + "128x128 block-scaled FP8); write it to a safetensors folder, or pick f32, f16, bf16, q8_0, q6_k, q5_k, q4_0 or q4_k for GGUF");
        }
        return t;
    }

    /** Whether the rows of tensor type t can be decoded (a weight format, or {@link GgmlDequantizer}). */
    public static boolean readable(GgmlType t) {
        return format(t) != null || GgmlDequantizer.supports(t);
    }

    /** rows ggml rows starting at row row0 of t, as fp32 (rows * ne[0] must fit an int). */
    public static float[] read(GgufTensor t, long row0, int rows) {
        int cols = Math.toIntExact(t.dim(0));
        long rowBytes = t.type().byteSize(cols, 1);
        MemorySegment slice = t.data().asSlice(row0 * rowBytes, rows * rowBytes);
        WeightFormat f = format(t.type());
        if (f != null) return QuantizedMatrix.wrap(f, rows, cols, slice).dequantize();
        if (!GgmlDequantizer.supports(t.type()))
            throw new TridentException("tensor '" + t.name() + "' is " + t.type() + ", which Trident cannot read yet");
        float[] out = new float[Math.multiplyExact(rows, cols)];
        GgmlDequantizer.dequantize(t.type(), slice, 0, out, 0, out.length);
        return out;
    }

    /** fp32 rows (rows x cols, row-major) encoded as type t's bytes (quantized as llama.cpp's reference code does). */
    public static byte[] write(GgmlType t, float[] values, int rows, int cols) {
        WeightFormat f = format(t);
        if (f == null) throw new IllegalArgumentException("cannot write " + t);
        QuantizedMatrix m = f.quantize(values, rows, cols);
        return m.data().asSlice(0, (long) rows * m.rowBytes()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
