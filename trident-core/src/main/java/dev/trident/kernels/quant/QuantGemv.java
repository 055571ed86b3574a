package dev.trident.kernels.quant;

import dev.trident.kernels.WorkerPool;
import dev.trident.quant.BF16Format;
import dev.trident.quant.F16Format;
import dev.trident.quant.F32Format;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import dev.trident.quant.WeightFormat;

/**
 * Matrix-vector products on quantized weights, read in place from their segment: {@code y[r] = sum_c W[r][c] x[c]}
 * for a rows x cols {@link QuantizedMatrix} W, with x of length cols and y of length rows. The decode step of
 * inference is bound by the bytes of W it streams, which is why fewer bits per weight are faster.
 *
 * <ul>
 *   <li>{@link #gemv}: Vector API kernel per format, rows split over the {@link WorkerPool#global() worker pool}.</li>
 *   <li>{@link #gemvInt8}: Q8_0 / Q4_0 / Q4_K with x quantized to int8 blocks and integer dot products.</li>
 *   <li>{@link #gemvScalar} / {@link #gemvInt8Scalar}: the plain twins the tests hold the kernels to.</li>
 * </ul>
 */
public final class QuantGemv {
    private QuantGemv() {}

    /** y = W x (fp32 activations), parallel over rows. */
    public static void gemv(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        float[] sums = needsBlockSums(w.format()) ? blockSums(x, w.cols()) : null;
        WorkerPool.global().parallelFor(w.rows(), (from, to, worker) -> rows(w, x, sums, y, from, to));
    }

    /** y = W x on rows [from, to) on the calling thread (for callers that do their own splitting). */
    public static void gemvRows(QuantizedMatrix w, float[] x, float[] y, int from, int to) {
        check(w, x, y);
        rows(w, x, needsBlockSums(w.format()) ? blockSums(x, w.cols()) : null, y, from, to);
    }

    /** Whether {@link #gemvInt8} supports this format. */
    public static boolean hasInt8Path(WeightFormat f) {
        return f instanceof Q8_0Format || f instanceof Q4_0Format || f instanceof Q4_KFormat;
    }

    /** y = W x with x quantized to int8 blocks of 32 first (Q8_0, Q4_0, Q4_K). */
    public static void gemvInt8(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        gemvInt8(w, Q8Activations.quantize(x, w.cols()), y);
    }

    /** y = W x for already-quantized activations (quantize once, multiply by several matrices). */
    public static void gemvInt8(QuantizedMatrix w, Q8Activations a, float[] y) {
        if (a.n() != w.cols()) throw new IllegalArgumentException("activations have " + a.n() + " values, W has " + w.cols() + " columns");
        if (y.length < w.rows()) throw new IllegalArgumentException("y too short");
        switch (w.format()) {
            case Q8_0Format f -> WorkerPool.global().parallelFor(w.rows(), (from, to, k) -> Int8Gemv.q8_0(w, a, y, from, to));
            case Q4_0Format f -> WorkerPool.global().parallelFor(w.rows(), (from, to, k) -> Int8Gemv.q4_0(w, a, y, from, to));
            case Q4_KFormat f -> WorkerPool.global().parallelFor(w.rows(), (from, to, k) -> Int8Gemv.q4_K(w, a, y, from, to));
            default -> throw new IllegalArgumentException("no int8 path for " + w.format().name());
        }
    }

    /** Scalar twin of {@link #gemv}: dequantize each row with the format's own decoder, accumulate in double. */
    public static void gemvScalar(QuantizedMatrix w, float[] x, float[] y) {
        check(w, x, y);
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            double acc = 0;
            for (int c = 0; c < w.cols(); c++) acc += (double) row[c] * x[c];
            y[r] = (float) acc;
        }
    }

    /** Scalar twin of {@link #gemvInt8}: integer block dots written element by element. */
    public static void gemvInt8Scalar(QuantizedMatrix w, Q8Activations a, float[] y) {
        for (int r = 0; r < w.rows(); r++) y[r] = Int8Gemv.dotScalar(w, r, a);
    }

    private static void rows(QuantizedMatrix w, float[] x, float[] sums, float[] y, int from, int to) {
        switch (w.format()) {
            case F32Format f -> F32Gemv.rows(w, x, y, from, to);
            case F16Format f -> HalfGemv.rows(w, x, y, from, to, false);
            case BF16Format f -> HalfGemv.rows(w, x, y, from, to, true);
            case Q8_0Format f -> Q8_0Gemv.rows(w, x, y, from, to);
            case Q4_0Format f -> Q4_0Gemv.rows(w, x, sums, y, from, to);
            case Q4_KFormat f -> Q4_KGemv.rows(w, x, sums, y, from, to);
            case Fp8BlockFormat f -> Fp8BlockGemv.rows(w, x, y, from, to);
        }
    }

    private static boolean needsBlockSums(WeightFormat f) {
        return f instanceof Q4_0Format || f instanceof Q4_KFormat;
    }

    /** Sums of x over each block of 32, for the formats whose values carry an offset (Q4_0's -8, Q4_K's mins). */
    static float[] blockSums(float[] x, int n) {
        float[] s = new float[n / 32];
        for (int b = 0; b < s.length; b++) {
            float acc = 0;
            for (int j = 0; j < 32; j++) acc += x[b * 32 + j];
            s[b] = acc;
        }
        return s;
    }

    private static void check(QuantizedMatrix w, float[] x, float[] y) {
        if (x.length < w.cols()) throw new IllegalArgumentException("x has " + x.length + " values, W has " + w.cols() + " columns");
        if (y.length < w.rows()) throw new IllegalArgumentException("y has " + y.length + " values, W has " + w.rows() + " rows");
    }
}
