package dev.trident.io.gguf;

/**
 * The ggml tensor element types a GGUF file can name, with ggml's type ids and storage geometry.
 *
 * <p>Quantized types store values in blocks: {@link #blockSize()} values take {@link #typeSize()} bytes, and a row
 * (ggml's {@code ne[0]}) must be a whole number of blocks. Ids and sizes follow llama.cpp's {@code ggml.h} enum and
 * {@code ggml.c} {@code type_traits} (ids 4, 5 and 31-33, 36-38 were removed upstream and are not valid in files).
 * {@code GgmlTypeTableTest} checks this table against the {@code libggml-base} that node-llama-cpp ships.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),     // fp16 scale + 32 x 4-bit
    Q4_1(3, 32, 20),     // fp16 scale, fp16 min + 32 x 4-bit
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),     // fp16 scale + 32 x int8
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);   // e8m0 shared exponent + 32 x fp4

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** ggml's numeric type id, as stored in a GGUF tensor info. */
    public int id() { return id; }

    /** Values per block (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int typeSize() { return typeSize; }

    /** Whether values are stored in scaled blocks rather than one by one. */
    public boolean isQuantized() { return blockSize > 1; }

    /** The type with this id, or null when the id is unknown (or was removed from ggml). */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /**
     * Bytes that a row-major tensor with {@code rowLength} values per row and {@code rows} rows takes, or -1 when
     * the row is not a whole number of blocks or the size overflows a long.
     */
    public long byteSize(long rowLength, long rows) {
        if (rowLength < 0 || rows < 0 || rowLength % blockSize != 0) return -1;
        try {
            return Math.multiplyExact(Math.multiplyExact(rowLength / blockSize, (long) typeSize), rows);
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }
}
