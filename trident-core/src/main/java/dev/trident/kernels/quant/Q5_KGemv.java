package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Q5_KFormat;
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
 * The dot product of a Q5_K row with fp32 activations, inside {@link Q4_KGemv}'s scheme (the row's scales unpacked in
 * a pass of its own, the mins' term from the per-32 sums of x): Q4_K's loop with each quant's fifth bit taken from
 * qh: bit 2g of qh[l] for element l of sub-block 2g, bit 2g + 1 for sub-block 2g + 1.
 */
final class Q5_KGemv {
    private static final int BB = Q5_KFormat.BLOCK_BYTES;

    private Q5_KGemv() {}

    /** Row at byte o against x at xo, given the row's unpacked scales ({@link Q4_KGemv#rows} drives it). */
    static float dot(MemorySegment s, long o, int nb, float[] x, int xo, float[] scales) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F); // two chains, as in Q4_KGemv.dot
        for (int gi = 0; gi < nb * 4; gi++) {
            int g = gi & 3;
            long p = o + (long) (gi >> 2) * BB, q = p + Q5_KFormat.QS + 32L * g, qh = p + Q5_KFormat.QH;
            int x0 = xo + gi * 64, x1 = x0 + 32;
            FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
            for (int k = 0; k < 32; k += L) {
                IntVector v = (IntVector) ByteVector.fromMemorySegment(BQ, s, q + k, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector h = ((IntVector) ByteVector.fromMemorySegment(BQ, s, qh + k, LE).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHR, 2 * g);
                lo = ((FloatVector) v.and(0xF).or(h.and(1).lanewise(VectorOperators.LSHL, 4)).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, x0 + k), lo);
                hi = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).or(h.and(2).lanewise(VectorOperators.LSHL, 3))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, x1 + k), hi);
            }
            acc0 = lo.fma(FloatVector.broadcast(F, scales[2 * gi]), acc0);
            acc1 = hi.fma(FloatVector.broadcast(F, scales[2 * gi + 1]), acc1);
        }
        return VecMath.sum(acc0.add(acc1));
    }
}
