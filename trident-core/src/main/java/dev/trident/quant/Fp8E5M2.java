package dev.trident.quant;

/**
 * FP8 E5M2 ({@code torch.float8_e5m2}): 1 sign, 5 exponent (bias 15), 2 mantissa bits, IEEE-like: exponent all ones
 * is ±infinity (0x7C / 0xFC) or NaN (0x7D..0x7F). Largest finite 1.75 * 2^15 = 57344; smallest subnormal 2^-16.
 *
 * <p>Encoding rounds to nearest, ties to even, and saturates finite overflow to ±57344 (satfinite, as gradients are
 * cast in FP8 training); infinities stay infinities, NaN becomes {@link #NAN} (0x7E, quiet).
 */
public final class Fp8E5M2 {
    public static final float MAX = 57344f;
    public static final byte NAN = 0x7E;

    static final Minifloat FORMAT = new Minifloat(5, 2, true);
    private static final float[] DECODE = table();

    private Fp8E5M2() {}

    public static byte encode(float x) {
        return (byte) FORMAT.encode(x, true);
    }

    public static float decode(byte code) {
        return DECODE[code & 0xFF];
    }

    public static void encode(float[] src, int srcOff, byte[] dst, int dstOff, int n) {
        FORMAT.encode(src, srcOff, dst, dstOff, n, true);
    }

    public static void decode(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        FORMAT.decode(src, srcOff, dst, dstOff, n);
    }

    private static float[] table() {
        float[] t = new float[256];
        for (int c = 0; c < 256; c++) t[c] = FORMAT.decode(c);
        return t;
    }
}
