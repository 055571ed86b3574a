package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VecMathTest {
    private static float[] vexp(float[] x) {
        float[] y = new float[x.length];
        int i = 0;
        for (; i + Simd.LANES <= x.length; i += Simd.LANES) {
            VecMath.exp(FloatVector.fromArray(Simd.F, x, i)).intoArray(y, i);
        }
        assertEquals(x.length, i, "test arrays must be a whole number of vectors");
        return y;
    }

    @Test
    void expIsWithinTwoTenthsOfAMicroRelative() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = KernelAssert.random(rnd, 1 << 16, -87.3, 88.3);
        for (int i = 0; i < 1024; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1); // the busy range near 0
        float[] y = vexp(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(y[i] - e) / e);
        }
        assertTrue(worst < 2e-7, "max relative error " + worst);
    }

    @Test
    void expEdgeCases() {
        float[] x = new float[Simd.LANES * 2];
        float[] special = {Float.NEGATIVE_INFINITY, -1000f, -87.5f, 0f, 1f, 89f, Float.POSITIVE_INFINITY, Float.NaN};
        System.arraycopy(special, 0, x, 0, Math.min(special.length, x.length));
        float[] y = vexp(x);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1]);
        assertEquals(0f, y[2], 1e-37f);
        assertEquals(1f, y[3]);
        assertEquals((float) Math.E, y[4], 1e-6f);
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(Float.POSITIVE_INFINITY, y[6]);
        assertTrue(Float.isNaN(y[7]));
    }

    @Test
    void dotAxpyMaxOnOddLengths() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 33, 129}) {
            float[] a = KernelAssert.random(rnd, n + 3, -1, 1), b = KernelAssert.random(rnd, n + 5, -1, 1);
            double dot = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                dot += (double) a[i + 3] * b[i + 5];
                max = Math.max(max, a[i + 3]);
            }
            assertEquals(dot, VecMath.dot(a, 3, b, 5, n), 1e-5, "dot n=" + n);
            assertEquals(max, VecMath.max(a, 3, n), "max n=" + n);
            float[] y = b.clone();
            VecMath.axpy(0.5f, a, 3, y, 5, n);
            for (int i = 0; i < n + 5; i++) {
                float want = i >= 5 ? b[i] + 0.5f * a[i - 2] : b[i];
                assertEquals(want, y[i], 1e-6f, "axpy n=" + n + " i=" + i);
            }
        }
    }
}
