package dev.trident.autograd;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Byte Latent Transformer's ops against finite differences, on random shapes including odd sizes. */
class BltOpsGradientProperties {
    private static final double TOL = 2e-2;

    @Property(tries = 10, seed = "20261129")
    void embeddingSum(@ForAll @IntRange(min = 1, max = 3) int tables, @ForAll @IntRange(min = 1, max = 6) int rows,
                      @ForAll @IntRange(min = 1, max = 5) int d, @ForAll @IntRange(min = 1, max = 7) int n,
                      @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor[] t = new Tensor[tables];
        int[][] ids = new int[tables][];
        for (int i = 0; i < tables; i++) {
            t[i] = GradCheck.random(rng, true, rows, d);
            ids[i] = rng.ints(n, 0, rows).toArray();
        }
        GradCheck.check("embeddingSum", List.of(t), tape -> BltOps.embeddingSum(tape, t, ids, null), seed, TOL);
    }

    /** Backward marks exactly the rows the ids name, once each. */
    @Test
    void embeddingSumMarksTouchedRows() {
        Tensor a = Tensor.zeros(true, 10, 3), b = Tensor.zeros(true, 4, 3);
        SparseRows[] rows = {null, new SparseRows(4, 3)};
        Tape tape = new Tape();
        Tensor out = BltOps.embeddingSum(tape, new Tensor[]{a, b}, new int[][]{{1, 2, 3}, {3, 0, 3}}, rows);
        Tensor loss = Ops.crossEntropy(tape, out, new int[]{0, 1, 2});
        tape.backward(loss);
        assertEquals(2, rows[1].count());
        assertTrue(rows[1].isMarked(0) && rows[1].isMarked(3) && !rows[1].isMarked(1) && !rows[1].isMarked(2));
        rows[1].clear();
        assertEquals(0, rows[1].count());
    }

    @Property(tries = 10, seed = "20261129")
    void segmentMaxPool(@ForAll @IntRange(min = 1, max = 9) int n, @ForAll @IntRange(min = 1, max = 5) int d,
                        @ForAll @IntRange(min = 1, max = 4) int segments, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, n, d);
        int[] from = new int[segments], to = new int[segments];
        for (int s = 0; s < segments; s++) {
            from[s] = rng.nextInt(n + 1);
            to[s] = from[s] + rng.nextInt(n - from[s] + 1); // sometimes empty
        }
        GradCheck.check("segmentMaxPool", List.of(x), t -> BltOps.segmentMaxPool(t, x, from, to), seed, TOL);
    }

    @Test
    void segmentMaxPoolOnAHandExample() {
        Tensor x = new Tensor(new float[]{1, 5, 3, -2, 2, 0, 7, 7}, false, 4, 2);
        Tensor out = BltOps.segmentMaxPool(new Tape(), x, new int[]{0, 2, 3}, new int[]{2, 4, 3});
        assertArrayEquals(new float[]{3, 5, 7, 7, 0, 0}, java.util.Arrays.copyOf(out.data, 6));
    }

    @Property(tries = 12, seed = "20261129")
    void rangeAttention(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 6) int keys,
                        @ForAll @IntRange(min = 1, max = 2) int kvHeads, @ForAll @IntRange(min = 1, max = 2) int group,
                        @ForAll @IntRange(min = 1, max = 4) int headDim, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        int heads = kvHeads * group;
        int[] lo = new int[rows], hi = new int[rows];
        for (int i = 0; i < rows; i++) {
            lo[i] = rng.nextInt(keys);
            hi[i] = lo[i] + rng.nextInt(keys - lo[i] + 1);
        }
        Tensor q = GradCheck.random(rng, true, rows, heads * headDim);
        Tensor k = GradCheck.random(rng, true, keys, kvHeads * headDim), v = GradCheck.random(rng, true, keys, kvHeads * headDim);
        float scale = (float) (1 / Math.sqrt(headDim));
        GradCheck.check("rangeAttention", List.of(q, k, v),
                t -> BltOps.rangeAttention(t, q, k, v, lo, hi, heads, kvHeads, headDim, scale), seed, TOL);
    }

    /** Cross-attention as the model uses it: a layer with norms, projections and residual. */
    @Property(tries = 6, seed = "20261129")
    void crossAttentionLayer(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 5) int keys,
                             @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        dev.trident.nn.Parameters params = new dev.trident.nn.Parameters(seed);
        var ca = new dev.trident.nn.CrossAttention(params, "ca", 4, 2, 1e-5f, 0.5, 0.5);
        for (var p : params.all()) for (int i = 0; i < p.tensor().size(); i++) p.tensor().data[i] += (float) (0.2 * rng.nextGaussian());
        Tensor x = GradCheck.random(rng, true, rows, 4), m = GradCheck.random(rng, true, keys, 4);
        int[] lo = new int[rows], hi = new int[rows];
        for (int i = 0; i < rows; i++) {
            lo[i] = rng.nextInt(keys);
            hi[i] = lo[i] + 1 + rng.nextInt(keys - lo[i]);
        }
        List<Tensor> inputs = new java.util.ArrayList<>(List.of(x, m));
        for (var p : params.all()) inputs.add(p.tensor());
        GradCheck.check("crossAttention", inputs, t -> ca.forward(t, x, m, lo, hi), seed, 3e-2);
    }

    @Property(tries = 6, seed = "20261129")
    void view(@ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 3) int k,
              @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, n, 2 * k), w = GradCheck.random(rng, true, 3, 2);
        GradCheck.check("view", List.of(x, w), t -> Ops.linear(t, BltOps.view(t, x, n * k, 2), w), seed, TOL);
    }

    /** Sliding-window self-attention through the attention layer: gradient and equality with causal when wide. */
    @Property(tries = 6, seed = "20261129")
    void slidingWindowAttention(@ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 2, max = 6) int seq,
                                @ForAll @IntRange(min = 1, max = 3) int window, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        int heads = 2, kvHeads = 1, d = 2;
        Tensor q = GradCheck.random(rng, true, batch * seq, heads * d);
        Tensor k = GradCheck.random(rng, true, batch * seq, kvHeads * d), v = GradCheck.random(rng, true, batch * seq, kvHeads * d);
        int[][] r = BltOps.slidingWindow(batch, seq, window);
        GradCheck.check("slidingWindow", List.of(q, k, v), t -> BltOps.rangeAttention(t, q, k, v, r[0], r[1], heads, kvHeads, d, 0.7f), seed, TOL);
    }
}
