package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q5_KFormat;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for Q4_K W and fp32 activations. Per sub-block j of 32: {@code d sc_j (q . x) - dmin m_j sum(x)}, the
 * second term from the per-32 sums of x computed once per input. The 32 bytes of a group hold sub-block 2g in
 * their low nibbles and 2g+1 in their high ones, so both are taken from one load. Q5_K rows go through the same
 * driver (same scales and mins, with {@link Q5_KGemv#dot} adding the fifth bit).
 */
final class Q4_KGemv {
    private static final int BB = Q4_KFormat.BLOCK_BYTES;

    private Q4_KGemv() {}

    /** Per-thread scratch: one row's sub-block scales d * sc_j, grown to the longest row seen. */
    private static final ThreadLocal<float[][]> SCALES = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /** Q4_K or Q5_K rows [from, to). */
    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needSums();
        MemorySegment s = m.data();
        boolean q5 = m.format() instanceof Q5_KFormat;
        int bb = q5 ? Q5_KFormat.BLOCK_BYTES : BB;
        int nb = m.cols() / Q4_KFormat.BLOCK, rows = m.rows(), subs = m.cols() / 32;
        long rowBytes = m.rowBytes();
        float[][] holder = SCALES.get();
        if (holder[0].length < subs + 8) holder[0] = new float[subs + 8]; // + 8: the mins' lanes
        float[] scales = holder[0];
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            int t = 0;
            // two activation rows per pass (speculative verification, batched decode): Q4_K's nibbles are widened
            // once for both; each row's sum is formed exactly as dot forms it alone
            if (!q5)
                for (; t + 2 <= a.rows; t += 2) {
                    float mins0 = scales(s, o, nb, bb, a.sums, t * subs, scales), mins1 = minsTerm(s, o, nb, bb, a.sums, (t + 1) * subs, scales);
                    dot2(s, o, nb, a.x, a.rowOffset(t), a.rowOffset(t + 1), scales, y, yOff + t * rows + r, rows, mins0, mins1);
                }
            for (; t < a.rows; t++) {
                // First the scalar part of the row (scales unpacked, the mins' term), then a plain vector loop.
                float mins = scales(s, o, nb, bb, a.sums, t * subs, scales);
                float dot = q5 ? Q5_KGemv.dot(s, o, nb, a.x, a.rowOffset(t), scales) : dot(s, o, nb, a.x, a.rowOffset(t), scales);
                y[yOff + t * rows + r] = dot - mins;
            }
        }
    }

    /** Eight lanes, one per sub-block of a super-block, for the scale unpacking. */
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** Lanes 4..7: sub-blocks j >= 4, whose 6 bits are split over two bytes. */
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(I8, 0xF0);

    /**
     * Unpacks the row's sub-block scales d * sc_j into scales[] and returns the mins' term (Q5_K's super-blocks,
     * blockBytes 176, keep d, dmin and the scales where Q4_K's do)
     * sum_j dmin * m_j * sum(x over sub-block j). The eight 6-bit (sc, m) pairs of a super-block are unpacked
     * together, one per lane (see {@link Q4_KFormat#scaleMin}): a scalar unpacking cost as much as the dot product.
     */
    private static float scales(MemorySegment s, long o, int nb, int blockBytes, float[] sums, int so, float[] scales) {
        FloatVector mins = FloatVector.zero(F8);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * blockBytes;
            float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
            // lane j: byte j, byte j + 4 and byte j - 4 of the 12 (the last from 4 bytes before them: d and dmin,
            // only read in lanes 0..3, where the blend does not take it), sign-extended: each use shifts
            // arithmetically and masks, which keeps the right bits. j < 4: sc = a & 63, m = b4 & 63; j >= 4:
            // sc = (b4 & 15) | (top 2 bits of bm4) << 4, m = (b4 >> 4) | (top 2 bits of a) << 4.
            IntVector a = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, s, p + Q4_KFormat.SCALES, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector b4 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, s, p + Q4_KFormat.SCALES + 4, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector bm4 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, s, p + Q4_KFormat.SCALES - 4, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector sc = a.and(63).blend(b4.and(0xF).or(bm4.lanewise(VectorOperators.ASHR, 2).and(0x30)), UPPER);
            IntVector m = b4.and(63).blend(b4.lanewise(VectorOperators.ASHR, 4).and(0xF).or(a.lanewise(VectorOperators.ASHR, 2).and(0x30)), UPPER);
            ((FloatVector) sc.convertShape(VectorOperators.I2F, F8, 0)).mul(d).intoArray(scales, b * 8);
            mins = ((FloatVector) m.convertShape(VectorOperators.I2F, F8, 0)).mul(dmin).fma(FloatVector.fromArray(F8, sums, so + b * 8), mins);
        }
        // summed lane by lane through memory: VecMath.sum on a second vector shape would make its call sites
        // polymorphic, and C2 then boxes the vectors of every kernel that shares it
        mins.intoArray(scales, scales.length - 8);
        float total = 0;
        for (int j = scales.length - 8; j < scales.length; j++) total += scales[j];
        return total;
    }

    /**
     * The mins term of {@link #scales} for another activation row (scales[] already holds this weight row's
     * unpacked scales and is only used here as scratch for the lane sum), the same operations in the same order.
     */
    private static float minsTerm(MemorySegment s, long o, int nb, int blockBytes, float[] sums, int so, float[] scales) {
        FloatVector mins = FloatVector.zero(F8);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * blockBytes;
            float dmin = Le.half(s, p + Q4_KFormat.DMIN);
            IntVector a = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, s, p + Q4_KFormat.SCALES, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector b4 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, s, p + Q4_KFormat.SCALES + 4, LE).convertShape(VectorOperators.B2I, I8, 0);
            IntVector m = b4.and(63).blend(b4.lanewise(VectorOperators.ASHR, 4).and(0xF).or(a.lanewise(VectorOperators.ASHR, 2).and(0x30)), UPPER);
            mins = ((FloatVector) m.convertShape(VectorOperators.I2F, F8, 0)).mul(dmin).fma(FloatVector.fromArray(F8, sums, so + b * 8), mins);
        }
        mins.intoArray(scales, scales.length - 8);
        float total = 0;
        for (int j = scales.length - 8; j < scales.length; j++) total += scales[j];
        return total;
    }

    /**
     * {@link #dot} for two activation rows at x0 and x1, each nibble widened once; y[yi] and y[yi + stride] get
     * each row's dot minus its mins term, as rows() writes a single row.
     */
    private static void dot2(MemorySegment s, long o, int nb, float[] x, int x0, int x1, float[] scales, float[] y, int yi, int stride,
                             float mins0, float mins1) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), bcc0 = FloatVector.zero(F), bcc1 = FloatVector.zero(F);
        for (int gi = 0; gi < nb * 4; gi++) {
            long q = o + (long) (gi >> 2) * BB + Q4_KFormat.QS + 32L * (gi & 3);
            int xa = x0 + gi * 64, xb = x1 + gi * 64;
            IntVector v0 = ((IntVector) ByteVector.fromMemorySegment(BQ, s, q, LE).convertShape(VectorOperators.B2I, I, 0));
            FloatVector wl = (FloatVector) v0.and(0xF).convertShape(VectorOperators.I2F, F, 0);
            FloatVector wh = (FloatVector) v0.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0);
            FloatVector lo = wl.mul(FloatVector.fromArray(F, x, xa)), hi = wh.mul(FloatVector.fromArray(F, x, xa + 32));
            FloatVector lo1 = wl.mul(FloatVector.fromArray(F, x, xb)), hi1 = wh.mul(FloatVector.fromArray(F, x, xb + 32));
            for (int k = L; k < 32; k += L) {
                IntVector v = ((IntVector) ByteVector.fromMemorySegment(BQ, s, q + k, LE).convertShape(VectorOperators.B2I, I, 0));
                wl = (FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0);
                wh = (FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0);
                lo = wl.fma(FloatVector.fromArray(F, x, xa + k), lo);
                hi = wh.fma(FloatVector.fromArray(F, x, xa + 32 + k), hi);
                lo1 = wl.fma(FloatVector.fromArray(F, x, xb + k), lo1);
                hi1 = wh.fma(FloatVector.fromArray(F, x, xb + 32 + k), hi1);
            }
            FloatVector sl = FloatVector.broadcast(F, scales[2 * gi]), sh = FloatVector.broadcast(F, scales[2 * gi + 1]);
            acc0 = lo.fma(sl, acc0);
            acc1 = hi.fma(sh, acc1);
            bcc0 = lo1.fma(sl, bcc0);
            bcc1 = hi1.fma(sh, bcc1);
        }
        y[yi] = VecMath.sum(acc0.add(acc1)) - mins0;
        y[yi + stride] = VecMath.sum(bcc0.add(bcc1)) - mins1;
    }

    /**
     * sum_j scales[j] * (q_j . x_j) over the row's sub-blocks; group g of a super-block holds sub-blocks 2g, 2g+1.
     * Even and odd sub-blocks add into separate accumulators: with one, its chain of two dependent FMAs per group
     * held the loop back (with the peeled first step below: JMH QuantGemvBenchmark -p rows=64 -p cols=2048 -p
     * threads=1 -p format=Q4_K, W in L2, 73.7k-75.2k -> 86.2k-93.3k ops/s; docs/benchmarks.md).
     */
    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo, float[] scales) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int gi = 0; gi < nb * 4; gi++) {
            long q = o + (long) (gi >> 2) * BB + Q4_KFormat.QS + 32L * (gi & 3);
            int x0 = xo + gi * 64, x1 = x0 + 32;
            // the first L of each sub-block multiplied, not added to a zero: one dependent FMA less per group
            IntVector v0 = ((IntVector) ByteVector.fromMemorySegment(BQ, s, q, LE).convertShape(VectorOperators.B2I, I, 0));
            FloatVector lo = ((FloatVector) v0.and(0xF).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.fromArray(F, x, x0));
            FloatVector hi = ((FloatVector) v0.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                    .mul(FloatVector.fromArray(F, x, x1));
            for (int k = L; k < 32; k += L) {
                IntVector v = ((IntVector) ByteVector.fromMemorySegment(BQ, s, q + k, LE).convertShape(VectorOperators.B2I, I, 0));
                lo = ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, x0 + k), lo);
                hi = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, x1 + k), hi);
            }
            acc0 = lo.fma(FloatVector.broadcast(F, scales[2 * gi]), acc0);
            acc1 = hi.fma(FloatVector.broadcast(F, scales[2 * gi + 1]), acc1);
        }
        return VecMath.sum(acc0.add(acc1));
    }
}
