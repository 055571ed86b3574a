package dev.trident.quant;

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

    private static float[] table() {
        float[] t = new float[256];
        for (int c = 0; c < 256; c++) t[c] = FORMAT.decode(c);
        return t;
    }
}
