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

import static dev.trident.kernels.quant.Lanes.B64;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.LE;

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
                // one sub-block of 32 per iteration keeps the loop body small enough for C2 to keep every vector
                // in registers (an unrolled super-block did not, and ran 3x slower)
                for (int j = 0; j < 8; j++) {
                    int sm = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, j);
                    long q = p + Q4_KFormat.QS + 32L * (j >> 1);
                    int shift = (j & 1) * 4;
                    int xo = b * 256 + j * 32;
                    FloatVector sub = nibbles(s, q, shift).mul(FloatVector.fromArray(F, x, xo));
                    sub = nibbles(s, q + 8, shift).fma(FloatVector.fromArray(F, x, xo + 8), sub);
                    sub = nibbles(s, q + 16, shift).fma(FloatVector.fromArray(F, x, xo + 16), sub);
                    sub = nibbles(s, q + 24, shift).fma(FloatVector.fromArray(F, x, xo + 24), sub);
                    acc = sub.fma(FloatVector.broadcast(F, d * (sm & 0xFF)), acc);
                    mins += dmin * (sm >>> 8) * xBlockSums[b * 8 + j];
                }
            }
            y[r] = VecMath.sum(acc) - mins;
        }
    }

    /**
     * 8 nibbles (low if shift is 0, high if 4) of the 8 bytes at off, as floats. The shift and mask happen in int
     * lanes: AVX2 has no byte shift, and the Vector API's emulation of one is slow.
     */
    static FloatVector nibbles(MemorySegment s, long off, int shift) {
        IntVector i = (IntVector) ByteVector.fromMemorySegment(B64, s, off, LE).convertShape(VectorOperators.B2I, I, 0);
        return (FloatVector) i.lanewise(VectorOperators.ASHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0);
    }
}
