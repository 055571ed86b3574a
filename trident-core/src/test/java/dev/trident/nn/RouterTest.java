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

    /**
     * Group-limited routing (DeepSeek-V3, n_group 4, topk_group 2): 8 experts in groups {0,1} {2,3} {4,5} {6,7}.
     * With s = 0.9, 0.1 | 0.6, 0.6 | 0.85, 0.05 | 0.3, 0.3 and b_7 = 0.5, the groups score (top-2 sums of s + b)
     * 1.0, 1.2, 0.9, 1.1, so groups 1 and 3 are kept; among experts 2, 3, 6, 7 (s + b = 0.6, 0.6, 0.3, 0.8) the top 2
     * are 7 then 2, although experts 0 and 4 have the highest s + b overall. Gates use s alone:
     * g = s / (s_7 + s_2) = 0.3 / 0.9, 0.6 / 0.9.
     */
    @Test
    void groupLimitedRoutingPicksInsideTheBestGroups() {
        MoeSpec flat = new MoeSpec(8, 8, 2, 0, 3, 1.0, MoeSpec.Gating.SIGMOID, true, 0, 0);
        float[] s = {0.9f, 0.1f, 0.6f, 0.6f, 0.85f, 0.05f, 0.3f, 0.3f};
        float[] x = new float[8];
        for (int i = 0; i < 8; i++) x[i] = (float) Math.log(s[i] / (1 - s[i])); // logits whose sigmoid is s
        for (MoeSpec spec : new MoeSpec[]{flat, flat.withGroups(4, 2)}) {
            Router r = new Router(new Parameters(1), "gate", spec, 0.02);
            java.util.Arrays.fill(r.weight.data, 0f);
            for (int i = 0; i < 8; i++) r.weight.data[i * 8 + i] = 1f; // centroid e_i = unit vector i
            r.bias.data[7] = 0.5f;
            Router.Routing routing = r.route(new Tape(), new Tensor(x, false, 1, 8));
            if (spec.groups() == 1) {
                assertArrayEquals(new int[]{0, 4}, routing.experts(), "flat: top-2 of s + b");
            } else {
                assertArrayEquals(new int[]{7, 2}, routing.experts(), "grouped: inside groups 1 and 3");
                assertEquals(0.3f / 0.9f, routing.gates().data[0], 1e-5f);
                assertEquals(0.6f / 0.9f, routing.gates().data[1], 1e-5f);
            }
        }
        // With topk_group = n_group every group is kept: the flat choice.
        Router all = new Router(new Parameters(1), "gate", flat.withGroups(4, 4), 0.02);
        java.util.Arrays.fill(all.weight.data, 0f);
        for (int i = 0; i < 8; i++) all.weight.data[i * 8 + i] = 1f;
        all.bias.data[7] = 0.5f;
        assertArrayEquals(new int[]{0, 4}, all.route(new Tape(), new Tensor(x, false, 1, 8)).experts());
    }

    @Test
    void groupSizesAreChecked() {
        MoeSpec flat = new MoeSpec(8, 8, 2, 0, 3, 1.0, MoeSpec.Gating.SIGMOID, true, 0, 0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> flat.withGroups(3, 1), "3 does not divide 8");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> flat.withGroups(4, 5), "topk_group > n_group");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new MoeSpec(8, 8, 3, 0, 3, 1.0,
                MoeSpec.Gating.SIGMOID, true, 0, 0).withGroups(4, 1), "K = 3 > one group of 2");
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
