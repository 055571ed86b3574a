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
        int r = from;
        // one activation row (decode): eight weight rows per pass. Several sequential streams keep more cache misses
        // in flight than one (one row at a time reached ~7 GB/s per core from DRAM though it computes at ~20 from L2;
        // four rows: ~11.5; eight: another ~10%), and each activation vector is loaded once for all of them. Per row
        // the arithmetic is dot's.
        if (a.rows == 1) for (; r + 8 <= to; r += 8) dot8(s, r * rowBytes, rowBytes, nb, a.x, a.rowOffset(0), y, yOff + r);
        for (; r < to; r++) {
            int t = 0;
            // two activation rows per pass: each block is widened once for both (speculative verification)
            for (; t + 2 <= a.rows; t += 2) dot2(s, r * rowBytes, nb, a.x, a.rowOffset(t), a.rowOffset(t + 1), y, yOff + t * rows + r, rows);
            for (; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, nb, a.x, a.rowOffset(t));
        }
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

    /**
     * y[yi + i] = W[row + i] . x for i < 8, rows starting at byte o, rb bytes apart; each row exactly as {@link #dot}. The
     * fp16 scales are read first in the block body: parsed after the vector code they are the calls C2 stops inlining
     * at its node-count cutoff, and a call in this loop costs every vector live across it.
     */
    private static void dot8(MemorySegment s, long o, long rb, int nb, float[] x, int xo, float[] y, int yi) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        long o0 = o, o1 = o0 + rb, o2 = o1 + rb, o3 = o2 + rb, o4 = o3 + rb, o5 = o4 + rb, o6 = o5 + rb, o7 = o6 + rb;
        for (int b = 0; b < nb; b++) {
            long bo = (long) b * BB + 2;
            int xb = xo + b * 32;
            float e0 = Le.half(s, o0 + bo - 2), e1 = Le.half(s, o1 + bo - 2), e2 = Le.half(s, o2 + bo - 2), e3 = Le.half(s, o3 + bo - 2), e4 = Le.half(s, o4 + bo - 2), e5 = Le.half(s, o5 + bo - 2), e6 = Le.half(s, o6 + bo - 2), e7 = Le.half(s, o7 + bo - 2);
            FloatVector xv = FloatVector.fromArray(F, x, xb);
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o0 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o1 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s2 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o2 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s3 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o3 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s4 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o4 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s5 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o5 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s6 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o6 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            FloatVector s7 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o7 + bo, LE).convertShape(VectorOperators.B2F, F, 0)).mul(xv);
            for (int k = L; k < 32; k += L) {
                xv = FloatVector.fromArray(F, x, xb + k);
                s0 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o0 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s0);
                s1 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o1 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s1);
                s2 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o2 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s2);
                s3 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o3 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s3);
                s4 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o4 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s4);
                s5 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o5 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s5);
                s6 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o6 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s6);
                s7 = ((FloatVector) ByteVector.fromMemorySegment(BQ, s, o7 + bo + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(xv, s7);
            }
            a0 = s0.fma(FloatVector.broadcast(F, e0), a0);
            a1 = s1.fma(FloatVector.broadcast(F, e1), a1);
            a2 = s2.fma(FloatVector.broadcast(F, e2), a2);
            a3 = s3.fma(FloatVector.broadcast(F, e3), a3);
            a4 = s4.fma(FloatVector.broadcast(F, e4), a4);
            a5 = s5.fma(FloatVector.broadcast(F, e5), a5);
            a6 = s6.fma(FloatVector.broadcast(F, e6), a6);
            a7 = s7.fma(FloatVector.broadcast(F, e7), a7);
        }
        y[yi + 0] = VecMath.sum(a0);
        y[yi + 1] = VecMath.sum(a1);
        y[yi + 2] = VecMath.sum(a2);
        y[yi + 3] = VecMath.sum(a3);
        y[yi + 4] = VecMath.sum(a4);
        y[yi + 5] = VecMath.sum(a5);
        y[yi + 6] = VecMath.sum(a6);
        y[yi + 7] = VecMath.sum(a7);
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
