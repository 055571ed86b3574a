package dev.trident.kernels.quant;

import dev.trident.quant.BF16Format;
import dev.trident.quant.BFloat16;
import dev.trident.quant.F16Format;
import dev.trident.quant.F32Format;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q5_KFormat;
import dev.trident.quant.Q6_KFormat;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;
import dev.trident.quant.WeightMatrix;

/**
 * Matrix-vector products on quantized weights, read in place from their segment: {@code y[r] = sum_c W[r][c] x[c]}
 * for a rows x cols {@link QuantizedMatrix} W. The decode step of inference is bound by the bytes of W it streams,
 * which is why fewer bits per weight are faster.
 *
 * <ul>
 *   <li>{@link #rows}: the per-format Vector API kernels on a range of rows, for one or a few activation rows
 *       (each weight row is read from memory once and dotted with every activation row while it is in L1).</li>
 *   <li>the int8 path ({@link #hasInt8Path}: Q8_0, Q4_0, Q4_K): activations quantized to int8 blocks of 32 and
 *       integer block dot products.</li>
 *   <li>{@link #gemv} / {@link #gemvInt8}: one-call forms for tests and benchmarks (they allocate; the decoder uses
 *       {@link Matmul}, which does not).</li>
 *   <li>{@link #gemvScalar} / {@link #gemvInt8Scalar}: the plain twins the tests hold the kernels to.</li>
 * </ul>
 */
public final class QuantGemv {
    private QuantGemv() {}

    /** Whether the int8-activation path supports this format. */
    public static boolean hasInt8Path(WeightFormat f) {
        return f instanceof Q8_0Format || f instanceof Q4_0Format || f instanceof Q4_KFormat;
    }

    /**
     * y[yOff + t * rows + r] = W[r] . x_t for rows [from, to) of W and every row t of a, on the calling thread;
     * int8 uses the int8-activation kernel (the format must have one).
     */
    public static void rows(QuantizedMatrix w, Activations a, boolean int8, float[] y, int yOff, int from, int to) {
        if (a.cols != w.cols()) throw new IllegalArgumentException("activations have " + a.cols + " columns, W has " + w.cols());
        if (int8) {
            switch (w.format()) {
                case Q8_0Format f -> Int8Gemv.q8_0(w, a, y, yOff, from, to);
                case Q4_0Format f -> Int8Gemv.q4_0(w, a, y, yOff, from, to);
                case Q4_KFormat f -> Int8Gemv.q4_K(w, a, y, yOff, from, to);
                default -> throw new IllegalArgumentException("no int8 path for " + w.format().name());
            }
            return;
        }
        switch (w.format()) {
            case F32Format f -> F32Gemv.rows(w, a, y, yOff, from, to);
            case F16Format f -> HalfGemv.rows(w, a, y, yOff, from, to, false);
            case BF16Format f -> HalfGemv.rows(w, a, y, yOff, from, to, true);
            case Q8_0Format f -> Q8_0Gemv.rows(w, a, y, yOff, from, to);
            case Q4_0Format f -> Q4_0Gemv.rows(w, a, y, yOff, from, to);
            case Q4_KFormat f -> Q4_KGemv.rows(w, a, y, yOff, from, to);
            case Q5_KFormat f -> Q4_KGemv.rows(w, a, y, yOff, from, to);
            case Q6_KFormat f -> Q6_KGemv.rows(w, a, y, yOff, from, to);
            case Fp8BlockFormat f -> Fp8BlockGemv.rows(w, a, y, yOff, from, to);
        }
    }

    /** y = W x (fp32 activations), parallel over rows. */
    public static void gemv(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        new Matmul(1, w.cols(), false).input(x, 0, 1, w.cols()).multiply(WeightMatrix.of(w), y, 0);
    }

    /** y = W x with x quantized to int8 blocks of 32 first (Q8_0, Q4_0, Q4_K). */
    public static void gemvInt8(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        if (!hasInt8Path(w.format())) throw new IllegalArgumentException("no int8 path for " + w.format().name());
        new Matmul(1, w.cols(), true).input(x, 0, 1, w.cols()).multiply(WeightMatrix.of(w), y, 0);
    }

    /**
     * Scalar twin of the GEMV kernels ({@link #rows} without int8): each row dequantized with the format's own
     * decoder, accumulated in double. FP8-block's kernel reads x as bf16 ({@link Activations#needFp8}), so here x is
     * rounded to bf16 first for that format.
     */
    public static void gemvScalar(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        if (w.format() instanceof Fp8BlockFormat) {
            float[] xb = new float[w.cols()];
            for (int c = 0; c < xb.length; c++) xb[c] = BFloat16.decode(BFloat16.encode(x[c]));
            x = xb;
        }
        dequantizedGemv(w, x, y);
    }

    /** y = dequantize(W) x in double, fp32 x: the prefill GEMM's definition ({@link QuantGemm}). */
    static void dequantizedGemv(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            double acc = 0;
            for (int c = 0; c < w.cols(); c++) acc += (double) row[c] * x[c];
            y[r] = (float) acc;
        }
    }

    /** Scalar twin of the int8 path: activations quantized by the scalar definition, integer block dots element by element. */
    public static void gemvInt8Scalar(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        Activations a = quantizeScalar(x, 1, w.cols());
        for (int r = 0; r < w.rows(); r++) y[r] = Int8Gemv.dotScalar(w, r, a, 0);
    }

    /** n rows of activations quantized to int8 by the scalar definition ({@link Activations#quantizeBlockScalar}). */
    static Activations quantizeScalar(float[] x, int n, int cols) {
        Activations a = new Activations(n, cols).set(x, 0, n, cols);
        for (int t = 0; t < n; t++)
            for (int b = 0; b < cols / 32; b++)
                Activations.quantizeBlockScalar(x, t * cols + b * 32, a.q, t * cols + b * 32, a.d, a.qsum, t * (cols / 32) + b);
        return a;
    }

    private static void check(QuantizedMatrix w, float[] x, float[] y) {
        if (x.length < w.cols()) throw new IllegalArgumentException("x has " + x.length + " values, W has " + w.cols() + " columns");
        if (y.length < w.rows()) throw new IllegalArgumentException("y has " + y.length + " values, W has " + w.rows() + " rows");
    }
}
