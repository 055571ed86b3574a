package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Fp8E4M3;
import dev.trident.quant.Le;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for FP8-block W (E4M3 bytes + fp32 scale_inv per 128x128 tile). E4M3 is widened in registers without a
 * table: the sign-extended byte shifted left 20 puts S at bit 31 (by sign extension) and EEEE.MMM at bits 26..20,
 * i.e. a float with exponent field E; {@code & 0x87F00000} clears the rest. That float is the E4M3 value times
 * 2^-120 (exactly, E = 0 giving the E4M3 subnormals as float subnormals), so each 128-column tile's dot is
 * multiplied once by scale_inv * 2^120. Weights are assumed not NaN (the quantizer never writes 0x7F).
 */
final class Fp8BlockGemv {
    private static final float REBIAS = 0x1p120f;
    private static final int TILE = Fp8BlockFormat.TILE;

    private Fp8BlockGemv() {}

    /** L E4M3 bytes at off as floats, times 2^-120. */
    static FloatVector widenScaled(MemorySegment s, long off) {
        IntVector i = (IntVector) ByteVector.fromMemorySegment(BQ, s, off, LE).convertShape(VectorOperators.B2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats();
    }

    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        int rows = m.rows();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(m, r, a.x, a.rowOffset(t));
    }

    private static float dot(QuantizedMatrix m, int r, float[] x, int xo) {
        MemorySegment s = m.data(), scales = m.scales();
        int cols = m.cols();
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
            for (; c + 2 * L <= c1; c += 2 * L) {
                a0 = widenScaled(s, off + c).fma(FloatVector.fromArray(F, x, xo + c), a0);
                a1 = widenScaled(s, off + c + L).fma(FloatVector.fromArray(F, x, xo + c + L), a1);
            }
            for (; c + L <= c1; c += L) a0 = widenScaled(s, off + c).fma(FloatVector.fromArray(F, x, xo + c), a0);
            acc = a0.add(a1).fma(FloatVector.broadcast(F, scale * REBIAS), acc);
            float rest = 0;
            for (; c < c1; c++) rest += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, off + c)) * x[xo + c];
            tail += rest * scale;
        }
        return VecMath.sum(acc) + tail;
    }
}
