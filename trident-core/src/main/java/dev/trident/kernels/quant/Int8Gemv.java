package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;

import dev.trident.quant.Le;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.trident.kernels.quant.Lanes.B128;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.LE;
import static dev.trident.kernels.quant.Lanes.pairSums;
import static dev.trident.kernels.quant.Lanes.toShorts;

/**
 * y = W x with x quantized to int8 blocks ({@link Q8Activations}) and integer block dot products, as llama.cpp does
 * for Q8_0 / Q4_0 / Q4_K. AVX2 has no byte dot-product instruction the Vector API exposes, so each block is:
 * sign-extend 16 bytes of weights and of activations to shorts, multiply (|q_w q_x| <= 128 * 127 fits a short),
 * add the two halves' products (still <= 32512), then sum adjacent short pairs into 8 ints, convert to float and
 * scale by d_w d_x once per block.
 */
final class Int8Gemv {
    private Int8Gemv() {}

    private static ShortVector acts(Q8Activations a, int off) {
        return toShorts(ByteVector.fromArray(B128, a.qs(), off));
    }

    private static ShortVector weights(MemorySegment s, long off) {
        return toShorts(ByteVector.fromMemorySegment(B128, s, off, LE));
    }

    /** Dot of 32 weight shorts (w0 elements 0..15, w1 16..31) with activation block at {@code xo}, as 8 int lanes. */
    private static IntVector dot32(ShortVector w0, ShortVector w1, Q8Activations a, int xo) {
        ShortVector p = w0.mul(acts(a, xo)).add(w1.mul(acts(a, xo + 16)));
        return pairSums(p);
    }

    private static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    static void q8_0(QuantizedMatrix m, Q8Activations a, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / 32;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long p = o + (long) b * Q8_0Format.BLOCK_BYTES;
                IntVector dot = dot32(weights(s, p + 2), weights(s, p + 18), a, b * 32);
                acc = toFloats(dot).fma(FloatVector.broadcast(F, Le.half(s, p) * a.d()[b]), acc);
            }
            y[r] = VecMath.sum(acc);
        }
    }

    static void q4_0(QuantizedMatrix m, Q8Activations a, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / 32;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float offset = 0;
            for (int b = 0; b < nb; b++) {
                long p = o + (long) b * Q4_0Format.BLOCK_BYTES;
                ShortVector q = weights(s, p + 2); // byte j holds element j (low nibble) and j + 16 (high)
                IntVector dot = dot32(q.and((short) 0xF), q.lanewise(VectorOperators.ASHR, 4).and((short) 0xF), a, b * 32);
                float dd = Le.half(s, p) * a.d()[b];
                acc = toFloats(dot).fma(FloatVector.broadcast(F, dd), acc);
                offset += dd * a.sums()[b];
            }
            y[r] = VecMath.sum(acc) - 8 * offset;
        }
    }

    static void q4_K(QuantizedMatrix m, Q8Activations a, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_KFormat.BLOCK;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++) {
            long o = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float mins = 0;
            for (int b = 0; b < nb; b++) {
                long p = o + (long) b * Q4_KFormat.BLOCK_BYTES;
                float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
                for (int j = 0; j < 8; j++) { // one sub-block per iteration, see Q4_KGemv
                    int sm = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, j);
                    long q = p + Q4_KFormat.QS + 32L * (j >> 1);
                    int shift = (j & 1) * 4;
                    int sub = b * 8 + j;
                    ShortVector w0 = weights(s, q).lanewise(VectorOperators.ASHR, shift).and((short) 0xF);
                    ShortVector w1 = weights(s, q + 16).lanewise(VectorOperators.ASHR, shift).and((short) 0xF);
                    float da = a.d()[sub];
                    acc = toFloats(dot32(w0, w1, a, sub * 32)).fma(FloatVector.broadcast(F, d * (sm & 0xFF) * da), acc);
                    mins += dmin * (sm >>> 8) * da * a.sums()[sub];
                }
            }
            y[r] = VecMath.sum(acc) - mins;
        }
    }

    // ---- scalar twins: the same sums written element by element ----

    static float dotScalar(QuantizedMatrix m, int row, Q8Activations a) {
        MemorySegment s = m.data();
        long o = row * m.rowBytes();
        double y = 0;
        switch (m.format()) {
            case Q8_0Format f -> {
                for (int b = 0; b < m.cols() / 32; b++) {
                    long p = o + (long) b * Q8_0Format.BLOCK_BYTES;
                    int dot = 0;
                    for (int j = 0; j < 32; j++) dot += s.get(ValueLayout.JAVA_BYTE, p + 2 + j) * a.qs()[b * 32 + j];
                    y += (double) Le.half(s, p) * a.d()[b] * dot;
                }
            }
            case Q4_0Format f -> {
                for (int b = 0; b < m.cols() / 32; b++) {
                    long p = o + (long) b * Q4_0Format.BLOCK_BYTES;
                    int dot = 0;
                    for (int j = 0; j < 16; j++) {
                        int q = s.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                        dot += ((q & 0xF) - 8) * a.qs()[b * 32 + j] + ((q >>> 4) - 8) * a.qs()[b * 32 + 16 + j];
                    }
                    y += (double) Le.half(s, p) * a.d()[b] * dot;
                }
            }
            case Q4_KFormat f -> {
                for (int b = 0; b < m.cols() / Q4_KFormat.BLOCK; b++) {
                    long p = o + (long) b * Q4_KFormat.BLOCK_BYTES;
                    double d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
                    for (int j = 0; j < 8; j++) {
                        int sm = Q4_KFormat.scaleMin(s, p + Q4_KFormat.SCALES, j);
                        int sub = b * 8 + j;
                        int dot = 0, sum = 0;
                        for (int l = 0; l < 32; l++) {
                            int byteVal = s.get(ValueLayout.JAVA_BYTE, p + Q4_KFormat.QS + 32L * (j / 2) + l) & 0xFF;
                            int q = (j & 1) == 0 ? byteVal & 0xF : byteVal >>> 4;
                            dot += q * a.qs()[sub * 32 + l];
                            sum += a.qs()[sub * 32 + l];
                        }
                        y += a.d()[sub] * (d * (sm & 0xFF) * dot - dmin * (sm >>> 8) * sum);
                    }
                }
            }
            default -> throw new IllegalArgumentException("no int8 path for " + m.format().name());
        }
        return (float) y;
    }
}
