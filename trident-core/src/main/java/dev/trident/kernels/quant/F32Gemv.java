package dev.trident.kernels.quant;

import dev.trident.kernels.VecMath;

import dev.trident.quant.Le;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.LE;

/** y = W x for little-endian fp32 W read in place from its segment: the baseline the other formats are measured against. */
final class F32Gemv {
    private F32Gemv() {}

    static void rows(QuantizedMatrix m, float[] x, float[] y, int from, int to) {
        MemorySegment s = m.data();
        int cols = m.cols();
        long rowBytes = m.rowBytes();
        int upper = F.loopBound(cols);
        for (int r = from; r < to; r++) {
            long off = r * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            int c = 0;
            for (; c + 2 * F.length() <= upper; c += 2 * F.length()) {
                a0 = FloatVector.fromMemorySegment(F, s, off + 4L * c, LE).fma(FloatVector.fromArray(F, x, c), a0);
                a1 = FloatVector.fromMemorySegment(F, s, off + 4L * (c + 8), LE).fma(FloatVector.fromArray(F, x, c + 8), a1);
            }
            for (; c < upper; c += F.length())
                a0 = FloatVector.fromMemorySegment(F, s, off + 4L * c, LE).fma(FloatVector.fromArray(F, x, c), a0);
            float sum = VecMath.sum(a0.add(a1));
            for (; c < cols; c++) sum += s.get(Le.FLOAT, off + 4L * c) * x[c];
            y[r] = sum;
        }
    }
}
