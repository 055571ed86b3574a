package dev.trident.io.gguf;

/** The metadata value types of GGUF, with their on-disk ids ({@code gguf_type} in llama.cpp). */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** uint64 byte length + UTF-8 bytes (no terminator). */
    STRING(8, 8),
    /** uint32 element type + uint64 count + the elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() { return id; }

    /**
     * The fewest bytes one value of this type can take in a file: the exact size of a number, the length prefix of
     * a string or the header of an array. Readers bound an array's count by the bytes left divided by this.
     */
    public int minBytes() { return minBytes; }

    /** Whether this is one of the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this id, or null. The ids are dense (0..12), so the ordinal is the id. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
