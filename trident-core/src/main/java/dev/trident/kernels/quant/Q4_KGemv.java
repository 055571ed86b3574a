package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for Q4_K W and fp32 activations. Per sub-block j of 32: {@code d sc_j (q . x) - dmin m_j sum(x)}, the
 * second term from the per-32 sums of x computed once per input. The 32 bytes of a group hold sub-block 2g in
 * their low nibbles and 2g+1 in their high ones, so both are taken from one load.
 */
final class Q4_KGemv {
    private static final int BB = Q4_KFormat.BLOCK_BYTES;

    private Q4_KGemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needSums();
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_KFormat.BLOCK, rows = m.rows(), subs = m.cols() / 32;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++)
                y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t), a.sums, t * subs);
    }

    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo, float[] sums, int so) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB;
            float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
            for (int g = 0; g < 4; g++) { // sub-blocks 2g (low nibbles) and 2g + 1 (high) share 32 bytes
                int sm0 = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, 2 * g);
                int sm1 = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, 2 * g + 1);
                long q = p + Q4_KFormat.QS + 32L * g;
                int x0 = xo + b * 256 + g * 64, x1 = x0 + 32;
                FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    IntVector v = bytesToInts(s, q + k);
                    lo = ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, x0 + k), lo);
                    hi = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, x1 + k), hi);
                }
                acc = lo.fma(FloatVector.broadcast(F, d * (sm0 & 0xFF)), acc);
                acc = hi.fma(FloatVector.broadcast(F, d * (sm1 & 0xFF)), acc);
                int sub = b * 8 + 2 * g;
                mins += dmin * ((sm0 >>> 8) * sums[so + sub] + (sm1 >>> 8) * sums[so + sub + 1]);
            }
        }
        return VecMath.sum(acc) - mins;
    }

    /** L bytes at off, sign-extended to ints (nibbles are extracted in int lanes: there is no byte shift in SIMD). */
    static IntVector bytesToInts(MemorySegment s, long off) {
        return (IntVector) ByteVector.fromMemorySegment(BQ, s, off, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /** L nibbles (low if shift is 0, high if 4) of the L bytes at off, as floats. */
    static FloatVector nibbles(MemorySegment s, long off, int shift) {
        return (FloatVector) bytesToInts(s, off).lanewise(VectorOperators.ASHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0);
    }
}
