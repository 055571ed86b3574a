package dev.trident.io.safetensors;

import dev.trident.quant.BFloat16;
import dev.trident.quant.Float16;
import dev.trident.quant.Fp8E4M3;
import dev.trident.quant.Fp8E5M2;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types of the safetensors format, by the names its header uses ("F32", "BF16", "F8_E4M3", ...), with
 * their width in bytes. Every value is little-endian. {@link #get} reads one element as a float, whatever the type
 * (integers and booleans are converted), so a reader can take any tensor as fp32.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E4M3(1), F8_E5M2(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether the values are floating point (the types weights come in). */
    public boolean isFloat() {
        return switch (this) {
            case F8_E4M3, F8_E5M2, F16, BF16, F32, F64 -> true;
            default -> false;
        };
    }

    /** The type of a header's "dtype" string, or null if the format has no such type. */
    public static SafetensorsDType byName(String name) {
        for (SafetensorsDType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /** Element i of data as a float (integers rounded to the nearest float, booleans 0 or 1). */
    public float get(MemorySegment data, long i) {
        return switch (this) {
            case F32 -> data.get(FLOAT, 4 * i);
            case F16 -> Float16.decode(data.get(SHORT, 2 * i));
            case BF16 -> BFloat16.decode(data.get(SHORT, 2 * i));
            case F8_E4M3 -> Fp8E4M3.decode(data.get(ValueLayout.JAVA_BYTE, i));
            case F8_E5M2 -> Fp8E5M2.decode(data.get(ValueLayout.JAVA_BYTE, i));
            case F64 -> (float) data.get(DOUBLE, 8 * i);
            default -> (float) getLong(data, i);
        };
    }

    /** Element i of an integer or boolean tensor (U64 above 2^63 - 1 wraps negative). */
    public long getLong(MemorySegment data, long i) {
        return switch (this) {
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            case U8 -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case I16 -> data.get(SHORT, 2 * i);
            case U16 -> data.get(SHORT, 2 * i) & 0xFFFF;
            case I32 -> data.get(INT, 4 * i);
            case U32 -> data.get(INT, 4 * i) & 0xFFFF_FFFFL;
            case I64, U64 -> data.get(LONG, 8 * i);
            default -> throw new IllegalStateException(this + " is a floating-point type");
        };
    }

    /**
     * Decodes n elements starting at element from into dst[off ..], a chunk at a time through the vectorized codecs.
     */
    public void decode(MemorySegment data, long from, float[] dst, int off, int n) {
        switch (this) {
            case F32 -> MemorySegment.copy(data, FLOAT, 4 * from, dst, off, n);
            case F16, BF16 -> {
                short[] buf = new short[Math.min(n, 1 << 14)];
                for (int done = 0; done < n; done += buf.length) {
                    int m = Math.min(buf.length, n - done);
                    MemorySegment.copy(data, SHORT, 2 * (from + done), buf, 0, m);
                    if (this == F16) Float16.decode(buf, 0, dst, off + done, m);
                    else BFloat16.decode(buf, 0, dst, off + done, m);
                }
            }
            case F8_E4M3, F8_E5M2 -> {
                byte[] buf = new byte[Math.min(n, 1 << 15)];
                for (int done = 0; done < n; done += buf.length) {
                    int m = Math.min(buf.length, n - done);
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, from + done, buf, 0, m);
                    if (this == F8_E4M3) Fp8E4M3.decode(buf, 0, dst, off + done, m);
                    else Fp8E5M2.decode(buf, 0, dst, off + done, m);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) dst[off + i] = get(data, from + i);
            }
        }
    }
}
