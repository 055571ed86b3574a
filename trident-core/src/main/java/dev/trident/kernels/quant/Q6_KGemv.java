package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q6_KFormat;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for Q6_K W and fp32 activations. Per half super-block and L positions l: bytes ql[l], ql[l + 32] and
 * qh[l] widened to ints give the four 6-bit quants of positions l, l + 32, l + 64, l + 96 (low or high nibble, two
 * bits of qh on top), each minus 32, converted, multiplied by x and added with its sub-block's d * scale; four
 * accumulators, one per quarter, so the FMAs do not wait on each other.
 */
final class Q6_KGemv {
    private static final int BB = Q6_KFormat.BLOCK_BYTES;

    private Q6_KGemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q6_KFormat.BLOCK, rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t));
    }

    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo) {
        FloatVector acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F), acc4 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB;
            float d = Le.half(s, p + Q6_KFormat.D);
            for (int h = 0; h < 2; h++) {
                long ql = p + Q6_KFormat.QL + 64L * h, qh = p + Q6_KFormat.QH + 32L * h, sc = p + Q6_KFormat.SCALES + 8L * h;
                int xb = xo + b * Q6_KFormat.BLOCK + 128 * h;
                for (int l = 0; l < 32; l += L) {
                    int is = l / 16;
                    IntVector lo = ((IntVector) ByteVector.fromMemorySegment(BQ, s, ql + l, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                    IntVector hi = ((IntVector) ByteVector.fromMemorySegment(BQ, s, ql + l + 32, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                    IntVector hb = ((IntVector) ByteVector.fromMemorySegment(BQ, s, qh + l, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                    FloatVector q1 = (FloatVector) lo.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q2 = (FloatVector) hi.and(0xF).or(hb.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q3 = (FloatVector) lo.lanewise(VectorOperators.LSHR, 4).or(hb.and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector q4 = (FloatVector) hi.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub(32)
                            .convertShape(VectorOperators.I2F, F, 0);
                    acc1 = q1.mul(FloatVector.fromArray(F, x, xb + l)).fma(FloatVector.broadcast(F, d * s.get(ValueLayout.JAVA_BYTE, sc + is)), acc1);
                    acc2 = q2.mul(FloatVector.fromArray(F, x, xb + 32 + l)).fma(FloatVector.broadcast(F, d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2)), acc2);
                    acc3 = q3.mul(FloatVector.fromArray(F, x, xb + 64 + l)).fma(FloatVector.broadcast(F, d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4)), acc3);
                    acc4 = q4.mul(FloatVector.fromArray(F, x, xb + 96 + l)).fma(FloatVector.broadcast(F, d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6)), acc4);
                }
            }
        }
        return VecMath.sum(acc1.add(acc2).add(acc3.add(acc4)));
    }
}
