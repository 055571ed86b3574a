package dev.trident.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16: the top 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa bits), so decoding is a shift.
 *
 * <p>{@link #encode} rounds to nearest, ties to even (add {@code 0x7FFF + lsb} to the float bits, keep the top
 * half), overflowing to infinity like PyTorch; {@link #encodeSaturating} clamps finite overflow to ±(max bf16).
 * NaN becomes the quiet NaN 0x7FC0 with the input's sign (a NaN must not round into infinity).
 */
public final class BFloat16 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    public static final short NAN = 0x7FC0;
    /** Largest finite bfloat16, 0x7F7F = (2 - 2^-7) * 2^127. */
    public static final float MAX = Float.intBitsToFloat(0x7F7F0000);

    private BFloat16() {}

    public static short encode(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7FFFFFFF) > 0x7F800000) return (short) ((b >>> 16) & 0x8000 | NAN);
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }

    public static short encodeSaturating(float x) {
        int b = Float.floatToRawIntBits(x);
        int u = b & 0x7FFFFFFF;
        if (u >= 0x7F800000) return encode(x); // NaN and infinity keep their meaning
        int h = (b + 0x7FFF + ((b >>> 16) & 1)) >>> 16;
        if ((h & 0x7FFF) == 0x7F80) h = (h & 0x8000) | 0x7F7F;
        return (short) h;
    }

    public static float decode(short code) {
        return Float.intBitsToFloat(code << 16);
    }

    /** Vectorized {@link #encode(float)}. */
    public static void encode(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector b = FloatVector.fromArray(F, src, srcOff + i).reinterpretAsInts();
            IntVector lsb = b.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector h = b.add(0x7FFF).add(lsb).lanewise(VectorOperators.LSHR, 16);
            IntVector nan = b.lanewise(VectorOperators.LSHR, 16).and(0x8000).or(NAN);
            h = h.blend(nan, b.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            ((ShortVector) h.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = encode(src[srcOff + i]);
    }

    /** Vectorized {@link #decode(short)}. */
    public static void decode(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector c = (IntVector) ShortVector.fromArray(ShortVector.SPECIES_128, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0);
            c.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = decode(src[srcOff + i]);
    }
}
