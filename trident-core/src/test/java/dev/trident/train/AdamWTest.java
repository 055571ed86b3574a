package dev.trident.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vectorized AdamW update against its scalar twin (bit for bit, so resume stays exact), and the gradient norm. */
class AdamWTest {
    @Test
    void vectorUpdateIsBitIdenticalToTheScalarTwin() {
        Random r = new Random(5);
        for (int n : new int[]{1, 15, 16, 17, 100, 1001}) {
            float[] w = gaussian(r, n), g = gaussian(r, n), m = gaussian(r, n), v = new float[n];
            for (int i = 0; i < n; i++) v[i] = Math.abs(gaussian(r, 1)[0]) * 1e-3f;
            g[0] = 0; // a zero gradient and a tiny second moment exercise the eps term
            float[] w2 = w.clone(), m2 = m.clone(), v2 = v.clone();
            for (int step = 1; step <= 3; step++) {
                float c1 = (float) (1 / (1 - Math.pow(0.9, step))), c2 = (float) (1 / (1 - Math.pow(0.95, step)));
                AdamW.update(w, g, m, v, 0, n, 0.9f, 0.95f, c1, c2, 2e-3f, 1e-8f, 2e-4f);
                AdamW.updateScalar(w2, g, m2, v2, 0, n, 0.9f, 0.95f, c1, c2, 2e-3f, 1e-8f, 2e-4f);
            }
            assertArrayEquals(w2, w, "weights, n=" + n);
            assertArrayEquals(m2, m, "first moments, n=" + n);
            assertArrayEquals(v2, v, "second moments, n=" + n);
        }
    }

    @Test
    void sumOfSquaresMatchesASequentialDoubleSum() {
        Random r = new Random(6);
        for (int n : new int[]{0, 1, 3, 4, 5, 1003}) {
            float[] g = gaussian(r, n);
            double want = 0;
            for (float x : g) want += (double) x * x;
            assertEquals(want, AdamW.sumOfSquares(g, n), 1e-12 * Math.max(1, want), "n=" + n);
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
