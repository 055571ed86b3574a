package dev.trident.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A small binary floating-point format with {@code e} exponent bits, {@code m} mantissa bits and IEEE-style bias
 * {@code 2^(e-1) - 1}: the shared engine behind {@link Fp8E4M3}, {@link Fp8E5M2} and {@link Float16}.
 *
 * <p>Code layout (most significant bit first): {@code S | E..E | M..M}. Exponent field 0 holds zero and the
 * subnormals {@code m/2^M * 2^(1-bias)}; otherwise {@code (1 + m/2^M) * 2^(E-bias)}. Two families of special values:
 * <ul>
 *   <li>IEEE-like ({@code hasInf}): exponent all ones is infinity (mantissa 0) or NaN (E5M2, F16);</li>
 *   <li>"fn" (finite + NaN, E4M3 per OCP): only {@code S.1111.111} is NaN, so {@code S.1111.110} = 448 is the top.</li>
 * </ul>
 *
 * <p>Encoding rounds to nearest, ties to even, with two bit tricks (no branches per element in the vector path):
 * <ul>
 *   <li>normals: add {@code 2^(22-M) - 1 + lsb} to the float's bits and drop the low {@code 23-M} bits; a carry out
 *       of the mantissa correctly bumps the exponent, then rebias the exponent;</li>
 *   <li>subnormals of the target (|x| below its smallest normal): add a magic constant C whose float ulp is the
 *       target's subnormal quantum, so the FPU's own round-to-nearest-even does the rounding; the code is
 *       {@code bits(|x| + C) - bits(C)}.</li>
 * </ul>
 * Decoding shifts the code's exponent+mantissa into float position and multiplies by {@code 2^(127-bias)}, which
 * rebiases normals and turns subnormals (float denormals before the multiply) into the right value exactly.
 */
final class Minifloat {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    final int expBits, manBits, bias;
    final boolean hasInf;
    /** Largest finite magnitude code, e.g. 0x7E for E4M3, 0x7B for E5M2, 0x7BFF for F16. */
    final int maxFinite;
    final int infCode;   // magnitude code of infinity, or -1
    final int nanCode;   // the canonical NaN code we produce (positive sign)
    final int signBit;   // 1 << (e + m)
    final int magMask;   // signBit - 1
    private final int shift;        // 23 - m
    private final int roundBias;    // (1 << (22 - m)) - 1
    private final int rebias;       // (127 - bias) << m, subtracted from the shifted float bits
    private final int minNormalBits; // float bits of 2^(1 - bias)
    private final float subMagic;   // C = 2^(24 - bias - m): ulp(C) = 2^(1 - bias - m), the subnormal quantum
    private final int subMagicBits;
    private final float decodeScale; // 2^(127 - bias)

    Minifloat(int expBits, int manBits, boolean hasInf) {
        this.expBits = expBits;
        this.manBits = manBits;
        this.bias = (1 << (expBits - 1)) - 1;
        this.hasInf = hasInf;
        this.signBit = 1 << (expBits + manBits);
        this.magMask = signBit - 1;
        int expAllOnes = ((1 << expBits) - 1) << manBits;
        this.maxFinite = hasInf ? expAllOnes - 1 : magMask - 1;
        this.infCode = hasInf ? expAllOnes : -1;
        this.nanCode = hasInf ? expAllOnes | (1 << (manBits - 1)) : magMask;
        this.shift = 23 - manBits;
        this.roundBias = (1 << (shift - 1)) - 1;
        this.rebias = (127 - bias) << manBits;
        this.minNormalBits = (127 + 1 - bias) << 23;
        this.subMagic = Math.scalb(1f, 24 - bias - manBits);
        this.subMagicBits = Float.floatToRawIntBits(subMagic);
        this.decodeScale = Math.scalb(1f, 127 - bias);
    }

    /**
     * Encodes with round-to-nearest-even. Finite values beyond the largest finite either saturate to it
     * ({@code saturate}, or always for formats without infinity) or become infinity. Infinity stays infinity where
     * the format has one, else saturates. NaN becomes {@link #nanCode}.
     */
    int encode(float x, boolean saturate) {
        int b = Float.floatToRawIntBits(x);
        int sign = (b >>> 31) << (expBits + manBits);
        int u = b & 0x7FFFFFFF;
        if (u > 0x7F800000) return nanCode;
        int mag;
        if (u == 0x7F800000) {
            mag = hasInf ? infCode : maxFinite;
        } else if (u < minNormalBits) {
            mag = Float.floatToRawIntBits(Float.intBitsToFloat(u) + subMagic) - subMagicBits;
        } else {
            mag = ((u + roundBias + ((u >>> shift) & 1)) >>> shift) - rebias;
            mag = Math.min(mag, saturate || !hasInf ? maxFinite : infCode);
        }
        return sign | mag;
    }

    float decode(int code) {
        int mag = code & magMask;
        boolean negative = (code & signBit) != 0;
        if (hasInf && mag >= infCode) {
            if (mag == infCode) return negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            return Float.NaN;
        }
        if (!hasInf && mag == magMask) return Float.NaN;
        float v = Float.intBitsToFloat(mag << shift) * decodeScale;
        return negative ? -v : v;
    }

    /** The vector twin of {@link #encode(float, boolean)} on 8 lanes; returns the codes as ints. */
    IntVector encode(FloatVector x, boolean saturate) {
        IntVector b = x.reinterpretAsInts();
        IntVector sign = b.lanewise(VectorOperators.LSHR, 31).lanewise(VectorOperators.LSHL, expBits + manBits);
        IntVector u = b.and(0x7FFFFFFF);
        // normal path
        IntVector lsb = u.lanewise(VectorOperators.LSHR, shift).and(1);
        IntVector normal = u.add(roundBias).add(lsb).lanewise(VectorOperators.LSHR, shift).sub(rebias)
                .min(saturate || !hasInf ? maxFinite : infCode);
        // subnormal path: the FPU rounds for us
        IntVector sub = u.reinterpretAsFloats().add(subMagic).reinterpretAsInts().sub(subMagicBits);
        VectorMask<Integer> isSub = u.compare(VectorOperators.LT, minNormalBits);
        IntVector mag = normal.blend(sub, isSub);
        mag = mag.blend(hasInf ? infCode : maxFinite, u.compare(VectorOperators.EQ, 0x7F800000));
        IntVector code = mag.or(sign);
        return code.blend(nanCode, u.compare(VectorOperators.GT, 0x7F800000));
    }

    /** The vector twin of {@link #decode(int)}: codes in the low bits of each int lane (higher bits ignored). */
    FloatVector decode(IntVector code) {
        IntVector mag = code.and(magMask);
        FloatVector v = mag.lanewise(VectorOperators.LSHL, shift).reinterpretAsFloats().mul(decodeScale);
        IntVector sign = code.and(signBit).lanewise(VectorOperators.LSHL, 31 - expBits - manBits);
        v = v.reinterpretAsInts().or(sign).reinterpretAsFloats();
        if (hasInf) {
            VectorMask<Integer> special = mag.compare(VectorOperators.GE, infCode);
            VectorMask<Integer> isInf = mag.compare(VectorOperators.EQ, infCode);
            IntVector inf = sign.or(0x7F800000);
            IntVector s = inf.blend(0x7FC00000, isInf.not());
            v = v.reinterpretAsInts().blend(s, special).reinterpretAsFloats();
        } else {
            v = v.reinterpretAsInts().blend(0x7FC00000, mag.compare(VectorOperators.EQ, magMask)).reinterpretAsFloats();
        }
        return v;
    }

    // ---- bulk helpers for 8-bit codes ----

    void encode(float[] src, int srcOff, byte[] dst, int dstOff, int n, boolean saturate) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector c = encode(FloatVector.fromArray(F, src, srcOff + i), saturate);
            ((ByteVector) c.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = (byte) encode(src[srcOff + i], saturate);
    }

    void decode(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector c = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, src, srcOff + i)
                    .convertShape(VectorOperators.B2I, I, 0);
            decode(c).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = decode(src[srcOff + i] & 0xFF);
    }

    // ---- bulk helpers for 16-bit codes ----

    void encode(float[] src, int srcOff, short[] dst, int dstOff, int n, boolean saturate) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector c = encode(FloatVector.fromArray(F, src, srcOff + i), saturate);
            ((ShortVector) c.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = (short) encode(src[srcOff + i], saturate);
    }

    void decode(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            IntVector c = (IntVector) ShortVector.fromArray(ShortVector.SPECIES_128, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, I, 0);
            decode(c).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = decode(src[srcOff + i] & 0xFFFF);
    }
}
