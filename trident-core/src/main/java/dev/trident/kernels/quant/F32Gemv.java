package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;
import dev.trident.quant.Le;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/** y = W x for little-endian fp32 W read in place from its segment (a GGUF F32 tensor): the baseline of the formats. */
final class F32Gemv {
    private F32Gemv() {}

    /** y[yOff + t * rows + r] = W[r] . x_t for rows [from, to) and every activation row t. */
    static void rows(QuantizedMatrix m, Activations a, float[] y, int yOff, int from, int to) {
        MemorySegment s = m.data();
        int cols = m.cols(), rows = m.rows();
        long rowBytes = m.rowBytes();
        for (int r = from; r < to; r++)
            for (int t = 0; t < a.rows; t++) y[yOff + t * rows + r] = dot(s, r * rowBytes, cols, a.x, a.rowOffset(t));
    }

    private static float dot(MemorySegment s, long off, int cols, float[] x, int xo) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int c = 0;
        for (; c + 2 * L <= cols; c += 2 * L) {
            a0 = FloatVector.fromMemorySegment(F, s, off + 4L * c, LE).fma(FloatVector.fromArray(F, x, xo + c), a0);
            a1 = FloatVector.fromMemorySegment(F, s, off + 4L * (c + L), LE).fma(FloatVector.fromArray(F, x, xo + c + L), a1);
        }
        for (; c + L <= cols; c += L)
            a0 = FloatVector.fromMemorySegment(F, s, off + 4L * c, LE).fma(FloatVector.fromArray(F, x, xo + c), a0);
        float sum = VecMath.sum(a0.add(a1));
        for (; c < cols; c++) sum += s.get(Le.FLOAT, off + 4L * c) * x[xo + c];
        return sum;
    }
}
