package dev.trident.kernels;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers for kernel tests: seeded random data and an fp32 closeness check that names the first bad index. */
final class KernelAssert {
    private KernelAssert() {}

    static float[] random(SplittableRandom rnd, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        return a;
    }

    static float[] gaussian(SplittableRandom rnd, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller; SplittableRandom has no nextGaussian in every JDK version we care about
            double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
            a[i] = (float) (sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    /** |actual - expected| <= atol + rtol * |expected| element-wise, over [0, n). */
    static void assertClose(String what, float[] expected, float[] actual, int n, double atol, double rtol) {
        for (int i = 0; i < n; i++) {
            float e = expected[i], a = actual[i];
            if (Float.isNaN(e) != Float.isNaN(a) || Math.abs(a - e) > atol + rtol * Math.abs(e)) {
                fail(what + ": index " + i + " of " + n + ": expected " + e + " but was " + a
                        + " (|diff| " + Math.abs(a - e) + ")");
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) fail(what + ": length " + expected.length + " vs " + actual.length);
        assertClose(what, expected, actual, expected.length, atol, rtol);
    }
}
