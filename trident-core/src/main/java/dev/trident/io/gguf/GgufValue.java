package dev.trident.io.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value, typed exactly as it is (or will be) stored: llama.cpp checks types strictly, so a
 * {@code uint32} and an {@code int32} holding the same number are different values here.
 *
 * <p>Unsigned types are held in a wider signed Java type ({@code UInt8}/{@code UInt16} in an int, {@code UInt32} in
 * a long); {@link UInt64} holds the raw 64 bits (use {@link Long#toUnsignedString}). Strings are decoded as UTF-8,
 * malformed bytes becoming U+FFFD.
 */
public sealed interface GgufValue {

    GgufValueType type();

    record UInt8(int value) implements GgufValue {
        public UInt8 { checkRange(value, 0, 0xFF, "uint8"); }
        public GgufValueType type() { return GgufValueType.UINT8; }
    }

    record Int8(byte value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT8; }
    }

    record UInt16(int value) implements GgufValue {
        public UInt16 { checkRange(value, 0, 0xFFFF, "uint16"); }
        public GgufValueType type() { return GgufValueType.UINT16; }
    }

    record Int16(short value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT16; }
    }

    record UInt32(long value) implements GgufValue {
        public UInt32 { checkRange(value, 0, 0xFFFF_FFFFL, "uint32"); }
        public GgufValueType type() { return GgufValueType.UINT32; }
    }

    record Int32(int value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT32; }
    }

    /** An unsigned 64-bit value as its raw bits: values above {@link Long#MAX_VALUE} read as negative longs. */
    record UInt64(long value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.UINT64; }
    }

    record Int64(long value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.INT64; }
    }

    record Float32(float value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.FLOAT32; }
    }

    record Float64(double value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.FLOAT64; }
    }

    record Bool(boolean value) implements GgufValue {
        public GgufValueType type() { return GgufValueType.BOOL; }
    }

    record Str(String value) implements GgufValue {
        public Str { Objects.requireNonNull(value, "value"); }
        public GgufValueType type() { return GgufValueType.STRING; }
    }

    /**
     * An array whose elements all have {@code elementType}. llama.cpp reads arrays of any scalar type and of
     * strings, but not arrays of arrays; this class allows nesting so that such files can still be inspected.
     */
    record Array(GgufValueType elementType, List<GgufValue> elements) implements GgufValue {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            elements = List.copyOf(elements);
            for (int i = 0; i < elements.size(); i++) {
                if (elements.get(i).type() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " has a "
                            + elements.get(i).type() + " at index " + i);
                }
            }
        }

        public GgufValueType type() { return GgufValueType.ARRAY; }

        public int size() { return elements.size(); }
    }

    // ---- factories for the common cases ----

    static GgufValue of(String s) { return new Str(s); }

    static GgufValue uint32(long v) { return new UInt32(v); }

    static GgufValue int32(int v) { return new Int32(v); }

    static GgufValue float32(float v) { return new Float32(v); }

    static GgufValue bool(boolean v) { return new Bool(v); }

    static Array strings(List<String> values) {
        List<GgufValue> out = new ArrayList<>(values.size());
        for (String s : values) out.add(new Str(s));
        return new Array(GgufValueType.STRING, out);
    }

    static Array int32s(int[] values) {
        List<GgufValue> out = new ArrayList<>(values.length);
        for (int v : values) out.add(new Int32(v));
        return new Array(GgufValueType.INT32, out);
    }

    static Array float32s(float[] values) {
        List<GgufValue> out = new ArrayList<>(values.length);
        for (float v : values) out.add(new Float32(v));
        return new Array(GgufValueType.FLOAT32, out);
    }

    /** This value as a long if it is any integer type (uint64 as raw bits), else throws IllegalStateException. */
    default long asLong() {
        return switch (this) {
            case UInt8 v -> v.value();
            case Int8 v -> v.value();
            case UInt16 v -> v.value();
            case Int16 v -> v.value();
            case UInt32 v -> v.value();
            case Int32 v -> v.value();
            case UInt64 v -> v.value();
            case Int64 v -> v.value();
            default -> throw new IllegalStateException("a " + type() + " is not an integer");
        };
    }

    /** This value as a double if it is a float or integer type, else throws IllegalStateException. */
    default double asDouble() {
        return switch (this) {
            case Float32 v -> v.value();
            case Float64 v -> v.value();
            case UInt64 v -> v.value() >= 0 ? v.value() : Math.pow(2, 64) + v.value();
            default -> asLong();
        };
    }

    /** A short human-readable rendering (long arrays are abbreviated), for inspect-style output. */
    default String brief() {
        return switch (this) {
            case Str s -> s.value().length() <= 80 ? '"' + s.value() + '"' : '"' + s.value().substring(0, 77) + "...\"";
            case UInt64 v -> Long.toUnsignedString(v.value());
            case Float32 v -> Float.toString(v.value());
            case Float64 v -> Double.toString(v.value());
            case Bool v -> Boolean.toString(v.value());
            case Array a -> {
                StringBuilder sb = new StringBuilder(a.elementType() + "[" + a.size() + "] [");
                for (int i = 0; i < Math.min(3, a.size()); i++) sb.append(i > 0 ? ", " : "").append(a.elements().get(i).brief());
                yield sb.append(a.size() > 3 ? ", ...]" : "]").toString();
            }
            default -> Long.toString(asLong());
        };
    }

    private static void checkRange(long v, long lo, long hi, String what) {
        if (v < lo || v > hi) throw new IllegalArgumentException(v + " does not fit a " + what);
    }
}
