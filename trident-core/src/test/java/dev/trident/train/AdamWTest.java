package dev.trident.train;

import dev.trident.quant.BFloat16;
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
    void aBf16MomentStepMatchesTheFp32StepWithinBf16Rounding() {
        Random r = new Random(7);
        int n = 1001;
        float b1 = 0.9f, b2 = 0.95f, lr = 2e-3f, eps = 1e-8f, decay = 2e-4f;
        float[] w = gaussian(r, n), g = gaussian(r, n), m = gaussian(r, n), v = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = BFloat16.decode(BFloat16.encode(m[i] * 1e-2f)); // moments both sides start from: bf16 values
            v[i] = BFloat16.decode(BFloat16.encode(Math.abs(gaussian(r, 1)[0]) * 1e-3f));
        }
        g[0] = 0;
        short[] mb = new short[n], vb = new short[n];
        BFloat16.encode(m, 0, mb, 0, n);
        BFloat16.encode(v, 0, vb, 0, n);
        float[] w32 = w.clone(), w16 = w.clone();
        float c1 = (float) (1 / (1 - Math.pow(0.9, 3))), c2 = (float) (1 / (1 - Math.pow(0.95, 3)));
        AdamW.updateScalar(w32, g, m, v, 0, n, b1, b2, c1, c2, lr, eps, decay);
        AdamW.updateBf16(w16, g, mb, vb, 0, n, b1, b2, c1, c2, lr, eps, decay);
        double u = Math.scalb(1.0, -8); // bf16 unit roundoff: 8 significand bits, round to nearest, |x - rn(x)| <= u|x|
        for (int i = 0; i < n; i++) {
            // Each stored moment is the fp32 one rounded: relative error <= u ...
            assertEquals(m[i], BFloat16.decode(mb[i]), Math.abs(m[i]) * u, "m[" + i + "]");
            assertEquals(v[i], BFloat16.decode(vb[i]), Math.abs(v[i]) * u, "v[" + i + "]");
            // ... so the Adam term lr m^/(sqrt(v^) + eps) is off by at most about 1.5u relative (u from m, u/2 from
            // sqrt v), plus float rounding; the decay term is the same on both sides.
            double adam = lr * Math.abs(m[i] * c1) / (Math.sqrt(v[i] * c2) + eps);
            assertEquals(w32[i], w16[i], adam * (1.5 * u + 1e-5) + Math.ulp(w[i]) * 2, "w[" + i + "]");
        }
    }

    @Test
    void bf16MomentsHalveTheOptimizerState() {
        var p = java.util.List.of(new dev.trident.nn.Parameters.Parameter("w", new dev.trident.autograd.Tensor(new float[1000], true, 10, 100), true));
        assertEquals(8000, new AdamW(p, 0.9, 0.95, 1e-8, 0.1).stateBytes());
        assertEquals(4000, new AdamW(p, 0.9, 0.95, 1e-8, 0.1, AdamW.Moments.BF16).stateBytes());
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
