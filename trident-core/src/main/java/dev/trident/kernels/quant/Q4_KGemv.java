package dev.trident.kernels.quant;

import dev.trident.quant.Le;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.B64;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.LE;
import static dev.trident.kernels.quant.Lanes.toFloats;

/**
 * y = W x for Q4_K W (144-byte super-blocks of 256; see {@link Q4_KFormat} for the layout). Each 32-byte group g
 * of nibbles holds sub-block 2g (low nibbles) and 2g+1 (high); a sub-block j contributes
 * {@code d sc_j (q . x_j) - dmin m_j sum(x_j)}, the second term from per-32 sums of x computed once per call.
 */
final class Q4_KGemv {
    private static final int BB = Q4_KFormat.BLOCK_BYTES;

    private Q4_KGemv() {}

    static void rows(QuantizedMatrix m, float[] x, float[] xBlockSums, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_KFormat.BLOCK;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float mins = 0;
            for (int b = 0; b < nb; b++) {
                long p = o + (long) b * BB;
                float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
                for (int g = 0; g < 4; g++) {
                    int sm0 = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, 2 * g);
                    int sm1 = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, 2 * g + 1);
                    int xo = b * 256 + g * 64;
                    long q = p + Q4_KFormat.QS + 32L * g;
                    FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
                    for (int h = 0; h < 4; h++) {
                        ByteVector v = ByteVector.fromMemorySegment(B64, s, q + 8L * h, LE);
                        lo = toFloats(v.and((byte) 0xF)).fma(FloatVector.fromArray(F, x, xo + 8 * h), lo);
                        hi = toFloats(v.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, xo + 32 + 8 * h), hi);
                    }
                    acc = lo.fma(FloatVector.broadcast(F, d * (sm0 & 0xFF)), acc);
                    acc = hi.fma(FloatVector.broadcast(F, d * (sm1 & 0xFF)), acc);
                    int sub = b * 8 + 2 * g;
                    mins += dmin * ((sm0 >>> 8) * xBlockSums[sub] + (sm1 >>> 8) * xBlockSums[sub + 1]);
                }
            }
            y[r] = acc.reduceLanes(VectorOperators.ADD) - mins;
        }
    }
}
