package dev.trident.quant;

import java.util.List;
import java.util.Locale;

/**
 * An inference weight format: how a row of weights is laid out in bytes, how to quantize fp32 into it and how to
 * read it back. The block formats are GGUF's, byte for byte; FP8-block is DeepSeek-V3's released layout.
 *
 * <pre>
 *   format   block  bytes/block  bytes/weight  GGML type
 *   F32        1        4           4            0
 *   F16        1        2           2            1
 *   BF16       1        2           2           30
 *   Q8_0      32       34           1.0625       8
 *   Q4_0      32       18           0.5625       2
 *   Q4_K     256      144           0.5625      12
 *   Q5_K     256      176           0.6875      13
 *   Q6_K     256      210           0.8203      14
 *   FP8_BLOCK 128x128  128 + fp32 scale per 128x128  ~1.0002   (safetensors e4m3 + weight_scale_inv)
 * </pre>
 */
public sealed interface WeightFormat
        permits F32Format, F16Format, BF16Format, Q8_0Format, Q4_0Format, Q4_KFormat, Q5_KFormat, Q6_KFormat, Fp8BlockFormat {
    WeightFormat F32 = new F32Format();
    WeightFormat F16 = new F16Format();
    WeightFormat BF16 = new BF16Format();
    WeightFormat Q8_0 = new Q8_0Format();
    WeightFormat Q4_0 = new Q4_0Format();
    WeightFormat Q4_K = new Q4_KFormat();
    WeightFormat Q5_K = new Q5_KFormat();
    WeightFormat Q6_K = new Q6_KFormat();
    WeightFormat FP8_BLOCK = new Fp8BlockFormat();

    static List<WeightFormat> all() {
        return List.of(F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, FP8_BLOCK);
    }

    /** By {@link #name()}, case-insensitive ("q8_0", "fp8_block", ...). */
    static WeightFormat byName(String name) {
        for (WeightFormat f : all()) if (f.name().equalsIgnoreCase(name)) return f;
        throw new IllegalArgumentException("unknown weight format '" + name + "'; known: "
                + all().stream().map(WeightFormat::name).map(s -> s.toLowerCase(Locale.ROOT)).toList());
    }

    /** GGUF's name for the type ("Q8_0"), or "FP8_BLOCK". */
    String name();

    /** Values per block along a row (1 for plain floats); a row's length must be a multiple of it (not FP8-block). */
    int blockSize();

    /** The {@code ggml_type} id in GGUF files, or -1 if GGUF has none. */
    int ggmlType();

    /** Bytes of one block in {@code data} (4 for F32; 34 for Q8_0's 32 weights). */
    int blockBytes();

    /** Bytes of one row of {@code cols} weights in {@code data}: whole blocks. */
    default long rowBytes(int cols) {
        return (long) cols / blockSize() * blockBytes();
    }

    /** Bytes outside the rows (FP8-block's scale grid); 0 for the others. */
    default long scaleBytes(int rows, int cols) {
        return 0;
    }

    /** Average storage cost per weight, scales included. */
    default double bytesPerWeight() {
        return blockBytes() / (double) blockSize();
    }

    /** Throws if a row of {@code cols} cannot be stored in this format. */
    default void checkCols(int cols) {
        if (cols % blockSize() != 0) {
            throw new IllegalArgumentException(name() + " needs a row length that is a multiple of " + blockSize()
                    + ", got " + cols);
        }
    }

    /** Quantizes a row-major rows x cols fp32 matrix. */
    QuantizedMatrix quantize(float[] w, int rows, int cols);

    /** Writes row {@code row} of {@code m} as fp32 into {@code dst[dstOff, dstOff + cols)}. */
    void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff);
}
