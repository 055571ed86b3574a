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
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(m, r, a.fp8x, t * a.cols, a.x, a.rowOffset(t));
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
