package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DeepSeek-V3 routing against a hand-computed example. */
class RouterTest {
    private static MoeSpec spec(MoeSpec.Gating gating, boolean norm, double scale) {
        return new MoeSpec(2, 4, 2, 0, 3, scale, gating, norm, 1e-3, 0);
    }

    @Test
    void sigmoidRoutingChoosesOnBiasButWeighsWithoutIt() {
        Router r = new Router(new Parameters(1), "gate", spec(MoeSpec.Gating.SIGMOID, true, 2.5), 0.02);
        // centroids e_0..e_3 and token u = (1, 0): logits u . e_i = 2, 1, 0, -1
        float[] centroids = {2, 0, 1, 0, 0, 0, -1, 0};
        System.arraycopy(centroids, 0, r.weight.data, 0, 8);
        // s = sigmoid(2, 1, 0, -1) = 0.880797, 0.731059, 0.5, 0.268941. Bias lifts expert 2 above expert 1.
        r.bias.data[2] = 0.3f;
        Tape tape = new Tape();
        Router.Routing routing = r.route(tape, new Tensor(new float[]{1, 0}, false, 1, 2));
        assertArrayEquals(new int[]{0, 2}, routing.experts(), "top-2 of s + b = 0.8808, 0.7311, 0.8, 0.2689");
        // g = 2.5 * s / (s_0 + s_2), b not included: 2.5 * 0.880797 / 1.380797 = 1.594721, 2.5 * 0.5 / 1.380797 = 0.905279
        assertEquals(1.594721f, routing.gates().data[0], 1e-5f);
        assertEquals(0.905279f, routing.gates().data[1], 1e-5f);
        long[] load = r.takeLoad();
        assertArrayEquals(new long[]{1, 0, 1, 0}, load);
    }

    @Test
    void softmaxRoutingWithoutNormalizationUsesTheProbabilities() {
        Router r = new Router(new Parameters(1), "gate", spec(MoeSpec.Gating.SOFTMAX, false, 1.0), 0.02);
        float[] centroids = {2, 0, 1, 0, 0, 0, -1, 0};
        System.arraycopy(centroids, 0, r.weight.data, 0, 8);
        Router.Routing routing = r.route(new Tape(), new Tensor(new float[]{1, 0}, false, 1, 2));
        // softmax(2, 1, 0, -1) = 0.643914, 0.236883, 0.087144, 0.032059
        assertArrayEquals(new int[]{0, 1}, routing.experts());
        assertEquals(0.643914f, routing.gates().data[0], 1e-5f);
        assertEquals(0.236883f, routing.gates().data[1], 1e-5f);
    }

    @Test
    void biasUpdateMovesTowardsTheMeanLoad() {
        Router r = new Router(new Parameters(1), "gate", spec(MoeSpec.Gating.SIGMOID, true, 1), 0.02);
        r.updateBias(new long[]{10, 2, 4, 0}); // mean 4
        assertArrayEquals(new float[]{-1e-3f, 1e-3f, 0f, 1e-3f}, r.bias.data, 1e-9f);
        assertEquals(10 / 4.0 - 1, Router.maxViolation(new long[]{10, 2, 4, 0}), 1e-12);
        assertEquals(0, Router.maxViolation(new long[]{3, 3, 3, 3}), 1e-12);
    }

    @Test
    void balancingBiasEvensOutAStronglySkewedRouter() {
        // Diverse tokens, but a shared feature (x_4 = 1) that pulls every token towards experts 0 and 1.
        MoeSpec s = new MoeSpec(5, 8, 2, 0, 3, 1, MoeSpec.Gating.SIGMOID, true, 0.01, 0);
        Router r = new Router(new Parameters(3), "gate", s, 1.0);
        r.weight.data[4] = 3f;
        r.weight.data[5 + 4] = 3f;
        java.util.Random rng = new java.util.Random(9);
        int n = 512;
        float[] x = new float[n * 5];
        for (int t = 0; t < n; t++) {
            for (int d = 0; d < 4; d++) x[t * 5 + d] = (float) rng.nextGaussian();
            x[t * 5 + 4] = 1f;
        }
        double first = 0, lastTen = 0;
        for (int step = 0; step < 400; step++) {
            r.route(new Tape(), new Tensor(x, false, n, 5));
            long[] load = r.takeLoad();
            if (step == 0) first = Router.maxViolation(load);
            if (step >= 390) lastTen += Router.maxViolation(load) / 10;
            r.updateBias(load);
        }
        assertTrue(first > 1.5, "skewed at the start: " + first);
        assertTrue(lastTen < 0.3, "balanced after bias updates: " + lastTen);
    }
}
