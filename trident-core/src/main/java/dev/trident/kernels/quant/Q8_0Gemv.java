package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for Q8_0 W (34-byte blocks: fp16 d, 32 x int8) and fp32 activations: per block the 32 int8 are widened to
 * floats and dotted with x, then the block sum is scaled by d once (sum_b d_b * (q_b . x_b)). {@link Int8Gemv} is
 * the faster path with int8 activations; this one keeps the activations exact.
 */
final class Q8_0Gemv {
    private static final int BB = Q8_0Format.BLOCK_BYTES;

    private Q8_0Gemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q8_0Format.BLOCK, rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t));
    }

    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB + 2;
            int xb = xo + b * 32;
            FloatVector sb = bytesToFloats(s, p).mul(FloatVector.fromArray(F, x, xb));
            for (int k = L; k < 32; k += L) sb = bytesToFloats(s, p + k).fma(FloatVector.fromArray(F, x, xb + k), sb);
            acc = sb.fma(FloatVector.broadcast(F, Le.half(s, p - 2)), acc);
        }
        return VecMath.sum(acc);
    }

    /** L signed bytes at off as L floats. */
    static FloatVector bytesToFloats(MemorySegment s, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(BQ, s, off, LE).convertShape(VectorOperators.B2F, F, 0);
    }
}
