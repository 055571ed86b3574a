package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Fp8E4M3;
import dev.trident.quant.Le;
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

/**
 * y = W x for FP8-block W (E4M3 bytes + fp32 scale_inv per 128x128 tile). E4M3 is widened in registers without a
 * table: a byte sign-extended into a wider lane and shifted so that EEEE.MMM lands on float bits 26..20, masked
 * with {@code 0x87F00000} (the sign comes along from the sign extension), is a float with exponent field E, i.e.
 * the E4M3 value times 2^-120 (exactly; E = 0 gives the E4M3 subnormals as float subnormals).
 *
 * <p>2L bytes at a time are widened to 2L shorts, then read as L ints each holding two: {@code v << 20} puts the
 * even-position byte in place and {@code v << 4} the odd one, so the activations are de-interleaved once per input
 * to match ({@link Activations#needFp8}). They are also pre-scaled by 2^100, so that products with the 2^-120-scaled
 * weights stay normal floats (subnormal results cost a microcode assist on x86); each 128-column tile's dot is
 * multiplied once by scale_inv * 2^20. Weights are assumed not NaN (the quantizer never writes 0x7F).
 */
final class Fp8BlockGemv {
    /** 2^120 / 2^100: what the tile sums are multiplied by, with scale_inv. */
    private static final float UNSCALE = 0x1p20f;
    private static final int TILE = Fp8BlockFormat.TILE;

    private Fp8BlockGemv() {}

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needFp8();
        int rows = m.rows();
        int r = from;
        // one activation row (decode): four weight rows per pass (more misses in flight, each activation vector
        // loaded once for four rows); per row the arithmetic is dot's.
        if (a.rows == 1) for (; r + 4 <= to; r += 4) dot4(m, r, a.fp8x, a.x, a.rowOffset(0), y, yOff + r);
        for (; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(m, r, a.fp8x, t * a.cols, a.x, a.rowOffset(t));
    }

    /** y[yi + i] = W[r + i] . x for i < 4, each exactly as {@link #dot} with the first activation row. */
    private static void dot4(QuantizedMatrix m, int r, float[] xd, float[] x, int xo, float[] y, int yi) {
        MemorySegment s = m.data(), scales = m.scales();
        int cols = m.cols(), g = 2 * L;
        int across = Fp8BlockFormat.tilesAcross(cols);
        long o0 = (long) r * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        long sr0 = (long) (r / TILE) * across, sr1 = (long) ((r + 1) / TILE) * across,
                sr2 = (long) ((r + 2) / TILE) * across, sr3 = (long) ((r + 3) / TILE) * across;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        float tail0 = 0, tail1 = 0, tail2 = 0, tail3 = 0;
        for (int t = 0; t < across; t++) {
            float sc0 = scales.getAtIndex(Le.FLOAT, sr0 + t), sc1 = scales.getAtIndex(Le.FLOAT, sr1 + t),
                    sc2 = scales.getAtIndex(Le.FLOAT, sr2 + t), sc3 = scales.getAtIndex(Le.FLOAT, sr3 + t);
            int c0 = t * TILE, c1 = Math.min(cols, c0 + TILE);
            int c = c0;
            FloatVector p0 = FloatVector.zero(F), q0 = FloatVector.zero(F), p1 = FloatVector.zero(F), q1 = FloatVector.zero(F),
                    p2 = FloatVector.zero(F), q2 = FloatVector.zero(F), p3 = FloatVector.zero(F), q3 = FloatVector.zero(F);
            for (; c + g <= c1; c += g) {
                FloatVector xe = FloatVector.fromArray(F, xd, c), xo2 = FloatVector.fromArray(F, xd, c + L);
                IntVector v0 = ((ShortVector) ByteVector.fromMemorySegment(BH, s, o0 + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                IntVector v1 = ((ShortVector) ByteVector.fromMemorySegment(BH, s, o1 + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                IntVector v2 = ((ShortVector) ByteVector.fromMemorySegment(BH, s, o2 + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                IntVector v3 = ((ShortVector) ByteVector.fromMemorySegment(BH, s, o3 + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                p0 = v0.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(xe, p0);
                q0 = v0.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(xo2, q0);
                p1 = v1.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(xe, p1);
                q1 = v1.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(xo2, q1);
                p2 = v2.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(xe, p2);
                q2 = v2.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(xo2, q2);
                p3 = v3.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(xe, p3);
                q3 = v3.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(xo2, q3);
            }
            acc0 = p0.add(q0).fma(FloatVector.broadcast(F, sc0 * UNSCALE), acc0);
            acc1 = p1.add(q1).fma(FloatVector.broadcast(F, sc1 * UNSCALE), acc1);
            acc2 = p2.add(q2).fma(FloatVector.broadcast(F, sc2 * UNSCALE), acc2);
            acc3 = p3.add(q3).fma(FloatVector.broadcast(F, sc3 * UNSCALE), acc3);
            if (c < c1) {
                float r0 = 0, r1 = 0, r2 = 0, r3 = 0;
                for (; c < c1; c++) {
                    float xc = x[xo + c];
                    r0 += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, o0 + c)) * xc;
                    r1 += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, o1 + c)) * xc;
                    r2 += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, o2 + c)) * xc;
                    r3 += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, o3 + c)) * xc;
                }
                tail0 += r0 * sc0;
                tail1 += r1 * sc1;
                tail2 += r2 * sc2;
                tail3 += r3 * sc3;
            }
        }
        y[yi] = VecMath.sum(acc0) + tail0;
        y[yi + 1] = VecMath.sum(acc1) + tail1;
        y[yi + 2] = VecMath.sum(acc2) + tail2;
        y[yi + 3] = VecMath.sum(acc3) + tail3;
    }

    /** Row r against one activation row: xd its de-interleaved, scaled form at xdo, x the plain one at xo. */
    private static float dot(QuantizedMatrix m, int r, float[] xd, int xdo, float[] x, int xo) {
        MemorySegment s = m.data(), scales = m.scales();
        int cols = m.cols(), g = 2 * L;
        int across = Fp8BlockFormat.tilesAcross(cols);
        long off = (long) r * cols;
        long scaleRow = (long) (r / TILE) * across;
        FloatVector acc = FloatVector.zero(F);
        float tail = 0;
        for (int t = 0; t < across; t++) {
            float scale = scales.getAtIndex(Le.FLOAT, scaleRow + t);
            int c0 = t * TILE, c1 = Math.min(cols, c0 + TILE);
            int c = c0;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (; c + g <= c1; c += g) {
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(BH, s, off + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                a0 = v.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, xdo + c), a0);
                a1 = v.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, xdo + c + L), a1);
            }
            acc = a0.add(a1).fma(FloatVector.broadcast(F, scale * UNSCALE), acc);
            float rest = 0;
            for (; c < c1; c++) rest += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, off + c)) * x[xo + c];
            tail += rest * scale;
        }
        return VecMath.sum(acc) + tail;
    }
}
