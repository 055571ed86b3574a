package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;

import dev.trident.quant.Le;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.F;

/**
 * y = W x for Q4_0 W (18-byte blocks: fp16 d, 16 bytes of nibbles; low nibble of byte j is element j, high nibble
 * element j + 16; value (q - 8) d). The -8 is taken out of the inner loop:
 * {@code sum (q - 8) d x = d (q . x) - 8 d sum(x_block)}, with the block sums of x computed once per call.
 */
final class Q4_0Gemv {
    private static final int BB = Q4_0Format.BLOCK_BYTES;

    private Q4_0Gemv() {}

    static void rows(QuantizedMatrix m, float[] x, float[] xBlockSums, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_0Format.BLOCK;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float offset = 0;
            for (int b = 0; b < nb; b++) {
                long p = o + (long) b * BB;
                float d = Le.half(s, p);
                int xo = b * 32;
                FloatVector sb = Q4_KGemv.nibbles(s, p + 2, 0).mul(FloatVector.fromArray(F, x, xo));        // 0..7
                sb = Q4_KGemv.nibbles(s, p + 10, 0).fma(FloatVector.fromArray(F, x, xo + 8), sb);             // 8..15
                sb = Q4_KGemv.nibbles(s, p + 2, 4).fma(FloatVector.fromArray(F, x, xo + 16), sb);             // 16..23
                sb = Q4_KGemv.nibbles(s, p + 10, 4).fma(FloatVector.fromArray(F, x, xo + 24), sb);            // 24..31
                acc = sb.fma(FloatVector.broadcast(F, d), acc);
                offset += d * xBlockSums[b];
            }
            y[r] = VecMath.sum(acc) - 8 * offset;
        }
    }
}
