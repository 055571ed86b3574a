package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * (The vector expressions are written out in the loops, not behind small helper methods: a helper that C2 compiles
 * on its own can grow past the size it still inlines, and then every call returns a boxed vector.)
 *
 * y = W x for Q8_0 W (34-byte blocks: fp16 d, 32 x int8) and fp32 activations: per block the 32 int8 are widened to
 * floats and dotted with x, then the block sum is scaled by d once (sum_b d_b * (q_b . x_b)). {@link Int8Gemv} is
 * the faster path with int8 activations; this one keeps the activations exact.
 */
final class Q8_0Gemv {
    private static final int BB = Q8_0Format.BLOCK_BYTES;

    private Q8_0Gemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q8_0Format.BLOCK, rows = m.rows();
        long rowBytes = m.rowBytes();
        if (a.rows == 1) {
            // One activation row (single-stream decode): two weight rows per pass, half the range apart, as
            // BatchedGemv pairs them (the activation vector loaded once for both, the two weight streams in
            // different pages); an odd last row pairs with itself. (Pairing the two-row kernel as well measured
            // slower: JMH and the demo model in Q8_0.)
            int half = (to - from) / 2, pairs = half + ((to - from) & 1);
            for (int i = 0; i < pairs; i++) {
                int r = i < half ? from + i : to - 1, rq = i < half ? r + half : r;
                dotRows2(s, r * rowBytes, rq * rowBytes, nb, a.x, a.rowOffset(0), y, yOff, r, rq);
            }
            return;
        }
        for (int r = from; r < to; r++) {
            int t = 0;
            // two activation rows per pass: each block is widened once for both (speculative verification)
            for (; t + 2 <= a.rows; t += 2) dot2(s, r * rowBytes, nb, a.x, a.rowOffset(t), a.rowOffset(t + 1), y, yOff + t * rows + r, rows);
            for (; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t));
        }
    }

    /** y[yb + r] = W[r] . x and y[yb + rq] = W[rq] . x (weight rows at byte offsets o and oq), each as dot forms it. */
    private static void dotRows2(MemorySegment s, long o, long oq, int nb, float[] x, int xo, float[] y, int yb, int r, int rq) {
        FloatVector acc = FloatVector.zero(F), accq = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB + 2, pq = oq + (long) b * BB + 2;
            int xb = xo + b * 32;
            FloatVector xv = FloatVector.fromArray(F, x, xb);
            FloatVector sb = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector sq = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, pq, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            for (int k = L; k < 32; k += L) {
                xv = FloatVector.fromArray(F, x, xb + k);
                sb = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, sb);
                sq = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, pq + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, sq);
            }
            acc = sb.fma(FloatVector.broadcast(F, Le.half(s, p - 2)), acc);
            accq = sq.fma(FloatVector.broadcast(F, Le.half(s, pq - 2)), accq);
        }
        y[yb + r] = VecMath.sum(acc);
        y[yb + rq] = VecMath.sum(accq);
    }

    /** y[yi] = W[row] . x0 and y[yi + stride] = W[row] . x1, widening each block once. */
    private static void dot2(MemorySegment s, long o, int nb, float[] x, int x0, int x1, float[] y, int yi, int stride) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB + 2;
            int xb = b * 32;
            FloatVector w = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p, LE).convertShape(VectorOperators.B2F, F, 0));
            FloatVector s0 = w.mul(FloatVector.fromArray(F, x, x0 + xb)), s1 = w.mul(FloatVector.fromArray(F, x, x1 + xb));
            for (int k = L; k < 32; k += L) {
                w = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p + k, LE).convertShape(VectorOperators.B2F, F, 0));
                s0 = w.fma(FloatVector.fromArray(F, x, x0 + xb + k), s0);
                s1 = w.fma(FloatVector.fromArray(F, x, x1 + xb + k), s1);
            }
            FloatVector d = FloatVector.broadcast(F, Le.half(s, p - 2));
            acc0 = s0.fma(d, acc0);
            acc1 = s1.fma(d, acc1);
        }
        y[yi] = VecMath.sum(acc0);
        y[yi + stride] = VecMath.sum(acc1);
    }

    private static float dot(MemorySegment s, long o, int nb, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * BB + 2;
            int xb = xo + b * 32;
            FloatVector sb = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p, LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb));
            for (int k = L; k < 32; k += L) sb = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + k), sb);
            acc = sb.fma(FloatVector.broadcast(F, Le.half(s, p - 2)), acc);
        }
        return VecMath.sum(acc);
    }
}
