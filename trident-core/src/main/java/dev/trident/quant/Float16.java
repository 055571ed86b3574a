package dev.trident.quant;

/**
 * IEEE 754 binary16 (GGML's {@code ggml_half}): 1 sign, 5 exponent (bias 15), 10 mantissa bits; max 65504.
 *
 * <p>{@link #encode} is IEEE round-to-nearest-even with overflow to infinity, bit-identical to
 * {@link Float#floatToFloat16} and to x86 F16C ({@code _cvtss_sh}), which is what GGML uses for block scales: GGUF
 * byte-exactness depends on it. {@link #encodeSaturating} clamps finite overflow to ±65504 instead (for weights).
 * NaN becomes the quiet NaN 0x7E00 (payloads are not kept).
 */
public final class Float16 {
    public static final float MAX = 65504f;
    public static final short NAN = 0x7E00;

    static final Minifloat FORMAT = new Minifloat(5, 10, true);

    private Float16() {}

    public static short encode(float x) {
        return (short) FORMAT.encode(x, false);
    }

    public static short encodeSaturating(float x) {
        return (short) FORMAT.encode(x, true);
    }

    public static float decode(short code) {
        return FORMAT.decode(code & 0xFFFF);
    }

    public static void encode(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        FORMAT.encode(src, srcOff, dst, dstOff, n, false);
    }

    public static void encodeSaturating(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        FORMAT.encode(src, srcOff, dst, dstOff, n, true);
    }

    public static void decode(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        FORMAT.decode(src, srcOff, dst, dstOff, n);
    }
}
