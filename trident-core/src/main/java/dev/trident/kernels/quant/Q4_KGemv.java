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

    /** Per-thread scratch: one row's sub-block scales d * sc_j, grown to the longest row seen. */
    private static final ThreadLocal<float[][]> SCALES = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needSums();
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_KFormat.BLOCK, rows = m.rows(), subs = m.cols() / 32;
        long rowBytes = m.rowBytes();
        float[][] holder = SCALES.get();
        if (holder[0].length < subs) holder[0] = new float[subs];
        float[] scales = holder[0];
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            for (int t = 0; t < a.rows; t++) {
                // First the scalar part of the row (scales unpacked, the mins' term), then a plain vector loop.
                float mins = scales(s, o, nb, a.sums, t * subs, scales);
                y[yOff + t * rows + r] = dot(s, o, nb, a.x, a.rowOffset(t), scales) - mins;
            }
        }
    }

    /**
     * Unpacks the row's sub-block scales d * sc_j into scales[] and returns the mins' term
     * sum_j dmin * m_j * sum(x over sub-block j).
     */
    private static float scales(MemorySegment s, long o, int nb, float[] sums, int so, float[] scales) {
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB;
            float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
            long lo = Q4_KFormat.scaleWordLo(s, p + Q4_KFormat.SCALES);
            int hi = Q4_KFormat.scaleWordHi(s, p + Q4_KFormat.SCALES);
            for (int j = 0; j < 8; j++) {
                int sm = Q4_KFormat.scaleMin(lo, hi, j);
                scales[b * 8 + j] = d * (sm & 0xFF);
                mins += dmin * (sm >>> 8) * sums[so + b * 8 + j];
            }
        }
        return mins;
    }

    /** sum_j scales[j] * (q_j . x_j) over the row's sub-blocks; group g of a super-block holds sub-blocks 2g, 2g+1. */
    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo, float[] scales) {
        FloatVector acc = FloatVector.zero(F);
        for (int gi = 0; gi < nb * 4; gi++) {
            long q = o + (long) (gi >> 2) * BB + Q4_KFormat.QS + 32L * (gi & 3);
            int x0 = xo + gi * 64, x1 = x0 + 32;
            FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
            for (int k = 0; k < 32; k += L) {
                IntVector v = bytesToInts(s, q + k);
                lo = ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, x0 + k), lo);
                hi = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, x1 + k), hi);
            }
            acc = lo.fma(FloatVector.broadcast(F, scales[2 * gi]), acc);
            acc = hi.fma(FloatVector.broadcast(F, scales[2 * gi + 1]), acc);
        }
        return VecMath.sum(acc);
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
