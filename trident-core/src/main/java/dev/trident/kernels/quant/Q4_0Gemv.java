package dev.trident.kernels.quant;

import dev.trident.quant.Le;
import dev.trident.quant.Q4_0Format;
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
                ByteVector v0 = ByteVector.fromMemorySegment(B64, s, p + 2, LE);  // elements 0..7 | 16..23
                ByteVector v1 = ByteVector.fromMemorySegment(B64, s, p + 10, LE); // elements 8..15 | 24..31
                FloatVector sb = toFloats(v0.and((byte) 0xF)).mul(FloatVector.fromArray(F, x, xo));
                sb = toFloats(v1.and((byte) 0xF)).fma(FloatVector.fromArray(F, x, xo + 8), sb);
                sb = toFloats(v0.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, xo + 16), sb);
                sb = toFloats(v1.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, xo + 24), sb);
                acc = sb.fma(FloatVector.broadcast(F, d), acc);
                offset += d * xBlockSums[b];
            }
            y[r] = acc.reduceLanes(VectorOperators.ADD) - 8 * offset;
        }
    }
}
