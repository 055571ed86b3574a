package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.BFloat16;
import dev.trident.quant.Le;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;
import static dev.trident.kernels.quant.Lanes.SH;

/**
 * y = W x for 16-bit float W (F16 or BF16), widened to fp32 in registers:
 * <ul>
 *   <li>BF16: the code is the top half of a float, so shift left 16;</li>
 *   <li>F16: move sign, exponent and mantissa into float position ({@code (h << 13) & 0x8FFFE000}, the sign comes
 *       from the sign-extended short) and multiply by 2^112 to rebias; this is exact for every finite half,
 *       subnormals included. Weights are assumed finite (an F16 infinity would read as 2^16).</li>
 * </ul>
 */
final class HalfGemv {
    private static final float REBIAS = 0x1p112f;

    private HalfGemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to, boolean bf16) {
        MemorySegment s = m.data();
        int cols = m.cols(), rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            int t = 0;
            // two activation rows per pass (batched decode, speculative verification): each weight widened once
            // for both; each row's sum formed exactly as dot forms it alone, so a row's result does not depend on
            // the rows beside it
            for (; t + 2 <= a.rows; t += 2) dot2(s, r * rowBytes, cols, a.x, a.rowOffset(t), a.rowOffset(t + 1), bf16, y, yOff + t * rows + r, rows);
            for (; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, cols, a.x, a.rowOffset(t), bf16);
        }
    }

    /** y[yi] = W[row] . x0 and y[yi + stride] = W[row] . x1, with dot's arithmetic for each. */
    private static void dot2(MemorySegment s, long off, int cols, float[] x, int x0, int x1, boolean bf16, float[] y, int yi, int stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        int c = 0;
        if (bf16) {
            for (; c + 2 * L <= cols; c += 2 * L) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a0 = w0.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x1 + c), b0);
                a1 = w1.fma(FloatVector.fromArray(F, x, x0 + c + L), a1);
                b1 = w1.fma(FloatVector.fromArray(F, x, x1 + c + L), b1);
            }
            for (; c + L <= cols; c += L) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a0 = w0.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x1 + c), b0);
            }
        } else {
            for (; c + 2 * L <= cols; c += 2 * L) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS);
                FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS);
                a0 = w0.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x1 + c), b0);
                a1 = w1.fma(FloatVector.fromArray(F, x, x0 + c + L), a1);
                b1 = w1.fma(FloatVector.fromArray(F, x, x1 + c + L), b1);
            }
            for (; c + L <= cols; c += L) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS);
                a0 = w0.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x1 + c), b0);
            }
        }
        float sumA = VecMath.sum(a0.add(a1)), sumB = VecMath.sum(b0.add(b1));
        for (; c < cols; c++) {
            short h = s.get(Le.SHORT, off + 2L * c);
            float w = bf16 ? BFloat16.decode(h) : Float.float16ToFloat(h);
            sumA += w * x[x0 + c];
            sumB += w * x[x1 + c];
        }
        y[yi] = sumA;
        y[yi + stride] = sumB;
    }

    private static float dot(MemorySegment s, long off, int cols, float[] x, int xo, boolean bf16) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int c = 0;
        if (bf16) {
            for (; c + 2 * L <= cols; c += 2 * L) {
                a0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + c), a0);
                a1 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + c + L), a1);
            }
            for (; c + L <= cols; c += L) a0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + c), a0);
        } else {
            for (; c + 2 * L <= cols; c += 2 * L) {
                a0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS).fma(FloatVector.fromArray(F, x, xo + c), a0);
                a1 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * (c + L), LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS).fma(FloatVector.fromArray(F, x, xo + c + L), a1);
            }
            for (; c + L <= cols; c += L) a0 = ((IntVector) ShortVector.fromMemorySegment(SH, s, off + 2L * c, LE).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(REBIAS).fma(FloatVector.fromArray(F, x, xo + c), a0);
        }
        float sum = VecMath.sum(a0.add(a1));
        for (; c < cols; c++) {
            short h = s.get(Le.SHORT, off + 2L * c);
            sum += (bf16 ? BFloat16.decode(h) : Float.float16ToFloat(h)) * x[xo + c];
        }
        return sum;
    }
}
