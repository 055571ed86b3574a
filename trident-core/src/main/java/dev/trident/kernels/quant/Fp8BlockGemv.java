package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.BFloat16;
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
import static dev.trident.kernels.quant.Lanes.F;
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
 * even-position byte in place and {@code v << 4} the odd one. The activations come as bf16 ({@link
 * Activations#needFp8}), 2L of them read as L ints the same way: {@code u << 16} is the even-position value as a
 * float, {@code u & 0xFFFF0000} the odd one. A GEMV reads x again for every weight row: x's slice for one panel
 * of columns (at most 4096, {@link Fp8BlockFormat#panelWidth}) stays in L1 beside the weight stream, and does so
 * better at two bytes a value than at four (4096 x 11008: 25.8 GB/s on bf16 x, 17.6 on fp32 x, panels of 3712;
 * docs/quantization.md). x is pre-scaled by 2^100, so that products with the 2^-120-scaled weights stay normal
 * floats (subnormal results cost a microcode assist on x86); each 128-column tile's dot is multiplied once by
 * scale_inv * 2^20. Weights are assumed not NaN (the quantizer never writes 0x7F).
 */
final class Fp8BlockGemv {
    /** 2^120 / 2^100: what the tile sums are multiplied by, with scale_inv. */
    private static final float UNSCALE = 0x1p20f;
    private static final int TILE = Fp8BlockFormat.TILE;

    private Fp8BlockGemv() {}

    /** Rows [from, to) of W against every activation row, panel by panel ({@link Fp8BlockFormat#panelWidth}). */
    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        a.needFp8();
        int rows = m.rows(), cols = m.cols(), width = Fp8BlockFormat.panelWidth(cols);
        for (int p0 = 0; p0 < cols; p0 += width) {
            int p1 = Math.min(cols, p0 + width);
            for (int r = from; r < to; r++)
                for (int t = 0; t < a.rows; t++) {
                    float d = dot(m, r, p0, p1, a.fp8x, t * a.cols);
                    int i = yOff + t * rows + r;
                    y[i] = p0 == 0 ? d : y[i] + d;
                }
        }
    }

    /** Columns [p0, p1) (one panel) of row r against one activation row, xb[xbo ...] (bf16 of x * 2^100). */
    private static float dot(QuantizedMatrix m, int r, int p0, int p1, short[] xb, int xbo) {
        MemorySegment s = m.data(), scales = m.scales();
        int cols = m.cols(), g = 2 * L;
        long off = Fp8BlockFormat.offset(m.rows(), cols, r, p0) - p0; // off + c: column c
        long scaleRow = (long) (r / TILE) * Fp8BlockFormat.tilesAcross(cols);
        FloatVector acc = FloatVector.zero(F);
        float tail = 0;
        for (int t = p0 / TILE; t * TILE < p1; t++) {
            float scale = scales.getAtIndex(Le.FLOAT, scaleRow + t);
            int c0 = t * TILE, c1 = Math.min(p1, c0 + TILE);
            int c = c0;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (; c + g <= c1; c += g) {
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(BH, s, off + c, LE).convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                IntVector u = ShortVector.fromArray(S, xb, xbo + c).reinterpretAsInts();
                a0 = v.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().fma(u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
                a1 = v.lanewise(VectorOperators.LSHL, 4).and(0x87F00000).reinterpretAsFloats().fma(u.and(0xFFFF0000).reinterpretAsFloats(), a1);
            }
            acc = a0.add(a1).fma(FloatVector.broadcast(F, scale * UNSCALE), acc);
            if (c < c1) tail += tailDot(s, off, xb, xbo, c, c1) * scale;
        }
        return VecMath.sum(acc) + tail / Activations.FP8_X_SCALE;
    }

    /** Columns [c, c1) of the row at byte off, element by element (the part of a tile short of a whole vector group). */
    private static float tailDot(MemorySegment s, long off, short[] xb, int xbo, int c, int c1) {
        float rest = 0;
        for (; c < c1; c++) rest += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, off + c)) * BFloat16.decode(xb[xbo + c]);
        return rest;
    }
}
