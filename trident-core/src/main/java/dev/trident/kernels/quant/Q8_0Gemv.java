package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;

import dev.trident.quant.Le;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.bytesToFloats;

/**
 * y = W x for Q8_0 W (34-byte blocks: fp16 d, 32 x int8), fp32 activations. Two rows per pass share each load of x;
 * per block the 32 int8 are widened to floats and dotted with x, then the block sum is scaled by d once
 * (sum_b d_b * (q_b . x_b)).
 */
final class Q8_0Gemv {
    private static final int BB = Q8_0Format.BLOCK_BYTES;

    private Q8_0Gemv() {}

    static void rows(QuantizedMatrix m, float[] x, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q8_0Format.BLOCK;
        long rowBytes = m.rowBytes();
        int r = from;
        for (; r + 2 <= to; r += 2) {
            long o0 = r * rowBytes, o1 = o0 + rowBytes;
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                int xo = b * 32;
                FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 8);
                FloatVector x2 = FloatVector.fromArray(F, x, xo + 16), x3 = FloatVector.fromArray(F, x, xo + 24);
                long p0 = o0 + (long) b * BB + 2, p1 = o1 + (long) b * BB + 2;
                FloatVector s0 = bytesToFloats(s, p0).mul(x0);
                FloatVector s1 = bytesToFloats(s, p1).mul(x0);
                s0 = bytesToFloats(s, p0 + 8).fma(x1, s0);
                s1 = bytesToFloats(s, p1 + 8).fma(x1, s1);
                s0 = bytesToFloats(s, p0 + 16).fma(x2, s0);
                s1 = bytesToFloats(s, p1 + 16).fma(x2, s1);
                s0 = bytesToFloats(s, p0 + 24).fma(x3, s0);
                s1 = bytesToFloats(s, p1 + 24).fma(x3, s1);
                acc0 = s0.fma(FloatVector.broadcast(F, Le.half(s, p0 - 2)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(F, Le.half(s, p1 - 2)), acc1);
            }
            y[r] = VecMath.sum(acc0);
            y[r + 1] = VecMath.sum(acc1);
        }
        for (; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                int xo = b * 32;
                long p = o + (long) b * BB + 2;
                FloatVector sb = bytesToFloats(s, p).mul(FloatVector.fromArray(F, x, xo));
                sb = bytesToFloats(s, p + 8).fma(FloatVector.fromArray(F, x, xo + 8), sb);
                sb = bytesToFloats(s, p + 16).fma(FloatVector.fromArray(F, x, xo + 16), sb);
                sb = bytesToFloats(s, p + 24).fma(FloatVector.fromArray(F, x, xo + 24), sb);
                acc = sb.fma(FloatVector.broadcast(F, Le.half(s, p - 2)), acc);
            }
            y[r] = VecMath.sum(acc);
        }
    }
}
