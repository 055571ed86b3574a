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

import static dev.trident.kernels.quant.Lanes.BH;
import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;
import static dev.trident.kernels.quant.Lanes.S;
import static dev.trident.kernels.quant.Lanes.SH;

/**
 * y = W x with the activations in int8 blocks of 32 ({@link Activations#needInt8}) and integer block dot products,
 * as llama.cpp does for Q8_0 / Q4_0 / Q4_K. The Vector API exposes no byte dot-product instruction (VNNI), so a
 * block is: weights and activations sign-extended to shorts, multiplied, two products added in
 * shorts (|w q| <= 128 * 127, so two fit), the sums widened to ints and added; then one int-to-float conversion and
 * one FMA with d_w d_x per block. Q4_0's -8 and Q4_K's mins come out of the loop through the block sums of q.
 */
final class Int8Gemv {
    private Int8Gemv() {}

    static void q8_0(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needInt8();
        MemorySegment s = m.data();
        int nb = m.cols() / 32, rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dotQ8_0(s, r * rowBytes, nb, a.q, t * a.cols, a.d, t * nb);
    }

    private static float dotQ8_0(MemorySegment s, long o, int nb, byte[] q, int qo, float[] d, int dOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * Q8_0Format.BLOCK_BYTES + 2;
            int xb = qo + b * 32;
            IntVector dot = IntVector.zero(I);
            for (int k = 0; k < 32; k += 2 * L) { // written out, not through helpers (see Q8_0Gemv)
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(BH, s, p + k, LE).convertShape(VectorOperators.B2S, S, 0))
                        .mul(((ShortVector) ByteVector.fromArray(BH, q, xb + k).convertShape(VectorOperators.B2S, S, 0))).reinterpretAsInts();
                // Sums of adjacent short pairs as ints, without a shuffle: viewed as an int a lane is hi << 16 | lo;
                // adding lo << 16 puts hi + lo in the top half (no carry comes up from the zero low half) and an
                // arithmetic shift brings it down. Exact while |hi + lo| fits a short: |w q| <= 128 * 127 does.
                dot = dot.add(v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            acc = ((FloatVector) dot.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, Le.half(s, p - 2) * d[dOff + b]), acc);
        }
        return VecMath.sum(acc);
    }

    static void q4_0(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needInt8();
        MemorySegment s = m.data();
        int nb = m.cols() / 32, rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++)
                y[yOff + t * rows + r] = dotQ4_0(s, r * rowBytes, nb, a.q, t * a.cols, a.d, a.qsum, t * nb);
    }

    private static float dotQ4_0(MemorySegment s, long o, int nb, byte[] q, int qo, float[] d, int[] qsum, int dOff) {
        FloatVector acc = FloatVector.zero(F);
        float offset = 0;
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * Q4_0Format.BLOCK_BYTES;
            int xb = qo + b * 32;
            ShortVector prod = ShortVector.zero(SH);
            for (int k = 0; k < 16; k += L) { // byte j: element j (low nibble) and j + 16 (high); products <= 15 * 127
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BQ, s, p + 2 + k, LE).convertShape(VectorOperators.B2S, SH, 0);
                prod = prod.add(w.and((short) 0xF).mul(((ShortVector) ByteVector.fromArray(BQ, q, xb + k).convertShape(VectorOperators.B2S, SH, 0))))
                        .add(w.lanewise(VectorOperators.ASHR, 4).and((short) 0xF).mul(((ShortVector) ByteVector.fromArray(BQ, q, xb + 16 + k).convertShape(VectorOperators.B2S, SH, 0))));
            }
            float dd = Le.half(s, p) * d[dOff + b];
            acc = ((FloatVector) ((IntVector) prod.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd), acc);
            offset += dd * qsum[dOff + b];
        }
        return VecMath.sum(acc) - 8 * offset;
    }

    static void q4_K(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needInt8();
        MemorySegment s = m.data();
        int nb = m.cols() / Q4_KFormat.BLOCK, rows = m.rows(), subs = m.cols() / 32;
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++)
                y[yOff + t * rows + r] = dotQ4_K(s, r * rowBytes, nb, a.q, t * a.cols, a.d, a.qsum, t * subs);
    }

    private static float dotQ4_K(MemorySegment s, long o, int nb, byte[] q, int qo, float[] d, int[] qsum, int dOff) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long p = o + (long) b * Q4_KFormat.BLOCK_BYTES;
            float dw = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
            long scLo = Q4_KFormat.scaleWordLo(s, p + Q4_KFormat.SCALES);
            int scHi = Q4_KFormat.scaleWordHi(s, p + Q4_KFormat.SCALES);
            for (int g = 0; g < 4; g++) { // sub-blocks 2g (low nibbles) and 2g + 1 (high) share 32 bytes
                int sm0 = Q4_KFormat.scaleMin(scLo, scHi, 2 * g);
                int sm1 = Q4_KFormat.scaleMin(scLo, scHi, 2 * g + 1);
                long w = p + Q4_KFormat.QS + 32L * g;
                int x0 = qo + b * 256 + g * 64, x1 = x0 + 32;
                ShortVector lo = ShortVector.zero(SH), hi = ShortVector.zero(SH);
                for (int k = 0; k < 32; k += L) { // 32 / L products of <= 15 * 127 per lane: fits a short (written out: see Q8_0Gemv)
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BQ, s, w + k, LE).convertShape(VectorOperators.B2S, SH, 0);
                    lo = lo.add(v.and((short) 0xF).mul(((ShortVector) ByteVector.fromArray(BQ, q, x0 + k).convertShape(VectorOperators.B2S, SH, 0))));
                    hi = hi.add(v.lanewise(VectorOperators.ASHR, 4).and((short) 0xF).mul(((ShortVector) ByteVector.fromArray(BQ, q, x1 + k).convertShape(VectorOperators.B2S, SH, 0))));
                }
                int sub = dOff + b * 8 + 2 * g;
                FloatVector fl = (FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0);
                FloatVector fh = (FloatVector) ((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0);
                acc = fl.fma(FloatVector.broadcast(F, dw * (sm0 & 0xFF) * d[sub]), acc);
                acc = fh.fma(FloatVector.broadcast(F, dw * (sm1 & 0xFF) * d[sub + 1]), acc);
                mins += dmin * ((sm0 >>> 8) * d[sub] * qsum[sub] + (sm1 >>> 8) * d[sub + 1] * qsum[sub + 1]);
            }
        }
        return VecMath.sum(acc) - mins;
    }

    // ---- scalar twin: the same sums written element by element ----

    /** W[row] . x_t with the int8 activations of row t of a (already quantized). */
    static float dotScalar(QuantizedMatrix m, int row, Activations a, int t) {
        MemorySegment s = m.data();
        long o = row * m.rowBytes();
        int nb32 = m.cols() / 32, qo = t * a.cols, dOff = t * nb32;
        byte[] q = a.q;
        double y = 0;
        switch (m.format()) {
            case Q8_0Format f -> {
                for (int b = 0; b < nb32; b++) {
                    long p = o + (long) b * Q8_0Format.BLOCK_BYTES;
                    int dot = 0;
                    for (int j = 0; j < 32; j++) dot += s.get(ValueLayout.JAVA_BYTE, p + 2 + j) * q[qo + b * 32 + j];
                    y += (double) Le.half(s, p) * a.d[dOff + b] * dot;
                }
            }
            case Q4_0Format f -> {
                for (int b = 0; b < nb32; b++) {
                    long p = o + (long) b * Q4_0Format.BLOCK_BYTES;
                    int dot = 0;
                    for (int j = 0; j < 16; j++) {
                        int v = s.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                        dot += ((v & 0xF) - 8) * q[qo + b * 32 + j] + ((v >>> 4) - 8) * q[qo + b * 32 + 16 + j];
                    }
                    y += (double) Le.half(s, p) * a.d[dOff + b] * dot;
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
                            int v = s.get(ValueLayout.JAVA_BYTE, p + Q4_KFormat.QS + 32L * (j / 2) + l) & 0xFF;
                            int w = (j & 1) == 0 ? v & 0xF : v >>> 4;
                            dot += w * q[qo + sub * 32 + l];
                            sum += q[qo + sub * 32 + l];
                        }
                        y += a.d[dOff + sub] * (d * (sm & 0xFF) * dot - dmin * (sm >>> 8) * sum);
                    }
                }
            }
            default -> throw new IllegalArgumentException("no int8 path for " + m.format().name());
        }
        return (float) y;
    }
}
