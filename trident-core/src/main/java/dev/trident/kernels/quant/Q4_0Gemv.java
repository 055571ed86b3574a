package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q4_0Format;
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
 * y = W x for Q4_0 W (18-byte blocks: fp16 d, 16 bytes of nibbles; low nibble of byte j is element j, high nibble
 * element j + 16; value (q - 8) d) and fp32 activations. The -8 is taken out of the inner loop:
 * {@code sum (q - 8) d x = d (q . x) - 8 d sum(x_block)}, with the block sums of x computed once per input.
 */
final class Q4_0Gemv {
    private static final int BB = Q4_0Format.BLOCK_BYTES;

    private Q4_0Gemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needSums();
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_0Format.BLOCK, rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++)
                y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t), a.sums, t * nb);
    }

    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo, float[] sums, int so) {
        FloatVector acc = FloatVector.zero(F);
        float offset = 0;
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB;
            float d = Le.half(s, p);
            int xb = xo + b * 32;
            FloatVector sb = FloatVector.zero(F);
            for (int k = 0; k < 16; k += L) {
                IntVector v = ((IntVector) ByteVector.fromMemorySegment(BQ, s, p + 2 + k, LE).convertShape(VectorOperators.B2I, I, 0));
                sb = ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + k), sb); // elements k ..
                sb = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xb + 16 + k), sb);                                                  // 16 + k ..
            }
            acc = sb.fma(FloatVector.broadcast(F, d), acc);
            offset += d * sums[so + b];
        }
        return VecMath.sum(acc) - 8 * offset;
    }
}
