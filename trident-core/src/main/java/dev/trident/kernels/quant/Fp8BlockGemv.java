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

import static dev.trident.kernels.quant.Lanes.B64;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * y = W x for FP8-block W (E4M3 bytes + fp32 scale_inv per 128x128 tile). E4M3 is widened in registers without a
 * table: the sign-extended byte shifted left 20 puts S at bit 31 (by sign extension) and EEEE.MMM at bits 26..20,
 * i.e. a float with exponent field E; {@code & 0x87F00000} clears the rest and multiplying by 2^120 rebias the
 * exponent (7 -> 127) and turns E = 0 (a float denormal) into the E4M3 subnormal exactly. Weights are assumed not
 * NaN (the quantizer never writes 0x7F). Each 128-column tile's dot is scaled by its scale_inv once.
 */
final class Fp8BlockGemv {
    private static final float REBIAS = 0x1p120f;
    private static final int TILE = Fp8BlockFormat.TILE;

    private Fp8BlockGemv() {}

    static FloatVector widen(MemorySegment s, long off) {
        IntVector i = (IntVector) ByteVector.fromMemorySegment(B64, s, off, LE).convertShape(VectorOperators.B2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().mul(REBIAS);
    }

    static void rows(QuantizedMatrix m, float[] x, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int cols = m.cols();
        int across = Fp8BlockFormat.tilesAcross(cols);
        for (int r = from; r < to; r++) {
            long off = (long) r * cols;
            long scaleRow = (long) (r / TILE) * across;
            FloatVector acc = FloatVector.zero(F);
            float tail = 0;
            for (int t = 0; t < across; t++) {
                float scale = m.scales().getAtIndex(Le.FLOAT, scaleRow + t);
                int c0 = t * TILE, c1 = Math.min(cols, c0 + TILE);
                int c = c0;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
                for (; c + 16 <= c1; c += 16) {
                    a0 = widen(s, off + c).fma(FloatVector.fromArray(F, x, c), a0);
                    a1 = widen(s, off + c + 8).fma(FloatVector.fromArray(F, x, c + 8), a1);
                }
                for (; c + 8 <= c1; c += 8) a0 = widen(s, off + c).fma(FloatVector.fromArray(F, x, c), a0);
                acc = a0.add(a1).fma(FloatVector.broadcast(F, scale), acc);
                float rest = 0;
                for (; c < c1; c++) rest += Fp8E4M3.decode(s.get(ValueLayout.JAVA_BYTE, off + c)) * x[c];
                tail += rest * scale;
            }
            y[r] = VecMath.sum(acc) + tail;
        }
    }
}
