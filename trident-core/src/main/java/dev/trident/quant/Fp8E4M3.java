package dev.trident.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * FP8 E4M3 ("e4m3fn" in the OCP FP8 spec, {@code torch.float8_e4m3fn}): 1 sign, 4 exponent (bias 7), 3 mantissa
 * bits. No infinities; the single NaN pattern {@code S.1111.111} (0x7F / 0xFF), so the largest finite value is
 * {@code S.1111.110} = 1.75 * 2^8 = 448. Smallest subnormal 2^-9, smallest normal 2^-6.
 *
 * <p>Encoding rounds to nearest, ties to even, and saturates (OCP "satfinite", the training convention): every
 * finite value beyond 448 and both infinities become ±448. NaN becomes 0x7F.
 */
public final class Fp8E4M3 {
    /** Largest finite magnitude. */
    public static final float MAX = 448f;
    /** The NaN code we produce (0xFF also decodes to NaN). */
    public static final byte NAN = 0x7F;

    static final Minifloat FORMAT = new Minifloat(4, 3, false);
    private static final float[] DECODE = table();

    private Fp8E4M3() {}

    public static byte encode(float x) {
        return (byte) FORMAT.encode(x, true);
    }

    public static float decode(byte code) {
        return DECODE[code & 0xFF];
    }

    /** Vectorized encode of {@code n} floats. */
    public static void encode(float[] src, int srcOff, byte[] dst, int dstOff, int n) {
        FORMAT.encode(src, srcOff, dst, dstOff, n, true);
    }

    /** Vectorized decode of {@code n} codes. */
    public static void decode(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        FORMAT.decode(src, srcOff, dst, dstOff, n);
    }

    /**
     * decode(encode(x)) computed on the float itself, without the byte: the value x rounds to on the E4M3 grid.
     * Normal range (|x| >= 2^-6): round the fp32 significand to 3 bits, nearest-even (add 0x7FFFF + the kept lsb,
     * clear the 20 dropped bits), then saturate at 448. Subnormal range: the grid step is 2^-9 everywhere, and
     * (|x| + 2^14) - 2^14 rounds to it, nearest-even, since fp32's step at 2^14 is 2^-9. Sign kept (-0 stays -0),
     * infinities saturate to ±448, NaN stays NaN.
     */
    public static float roundTrip(float x) {
        if (x != x) return Float.NaN;
        int b = Float.floatToRawIntBits(x), sign = b & 0x80000000;
        float a = Math.abs(x);
        float q;
        if (a < 0x1p-6f) q = (a + 16384f) - 16384f;
        else {
            int ab = Float.floatToRawIntBits(a);
            q = Math.min(Float.intBitsToFloat((ab + 0x7FFFF + ((ab >>> 20) & 1)) & 0xFFF00000), MAX);
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(q) | sign);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * dst[i] = roundTrip(src[i] * inv) * s for n values: one tile's fake quantization (divide by the scale, round to
     * E4M3, multiply back) in one vectorized pass, bit-identical to {@link #roundTrip(float)} lane by lane.
     */
    public static void scaledRoundTrip(float[] src, int srcOff, float inv, float s, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = n - F.length(); i <= bound; i += F.length())
            roundTrip(FloatVector.fromArray(F, src, srcOff + i).mul(inv)).mul(s).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = roundTrip(src[srcOff + i] * inv) * s;
    }

    /**
     * dst[i] = roundTrip(src[i] / scales[i]) * scales[i] for n values (one row of 128x1 column tiles, each column
     * with its own scale), vectorized, bit-identical to the scalar expression.
     */
    public static void perLaneScaledRoundTrip(float[] src, int srcOff, float[] scales, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = n - F.length(); i <= bound; i += F.length()) {
            FloatVector s = FloatVector.fromArray(F, scales, i);
            roundTrip(FloatVector.fromArray(F, src, srcOff + i).div(s)).mul(s).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = roundTrip(src[srcOff + i] / scales[i]) * scales[i];
    }

    /** {@link #roundTrip(float)} lane by lane. */
    private static FloatVector roundTrip(FloatVector y) {
        FloatVector a = y.abs();
        IntVector ab = a.reinterpretAsInts();
        FloatVector normal = ab.add(0x7FFFF).add(ab.lanewise(VectorOperators.LSHR, 20).and(1)).and(0xFFF00000)
                .reinterpretAsFloats().min(MAX);
        FloatVector sub = a.add(16384f).sub(16384f);
        FloatVector q = normal.blend(sub, a.compare(VectorOperators.LT, 0x1p-6f));
        FloatVector signed = q.reinterpretAsInts().or(y.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
        return signed.blend(Float.NaN, y.test(VectorOperators.IS_NAN));
    }

    private static float[] table() {
        float[] t = new float[256];
        for (int c = 0; c < 256; c++) t[c] = FORMAT.decode(c);
        return t;
    }
}
