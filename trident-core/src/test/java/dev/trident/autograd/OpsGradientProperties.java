package dev.trident.autograd;

import dev.trident.kernels.RopePairing;
import dev.trident.kernels.RopeTable;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Random;

/** Every autograd op against finite differences, on random shapes including odd sizes. */
class OpsGradientProperties {
    private static final double TOL = 2e-2;

    @Property(tries = 12, seed = "20261128")
    void linear(@ForAll @IntRange(min = 1, max = 7) int n, @ForAll @IntRange(min = 1, max = 9) int in,
                @ForAll @IntRange(min = 1, max = 6) int out, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, n, in), w = GradCheck.random(rng, true, out, in);
        GradCheck.check("linear", List.of(x, w), t -> Ops.linear(t, x, w), seed, TOL);
    }

    @Property(tries = 12, seed = "20261128")
    void rmsNorm(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 13) int d,
                 @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, rows, d), w = GradCheck.random(rng, true, d);
        GradCheck.check("rmsNorm", List.of(x, w), t -> Ops.rmsNorm(t, x, w, 1e-5f), seed, TOL);
    }

    @Property(tries = 12, seed = "20261128")
    void headRmsNorm(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 3) int heads,
                     @ForAll @IntRange(min = 2, max = 9) int d, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, rows, heads * d), w = GradCheck.random(rng, true, d);
        GradCheck.check("headRmsNorm", List.of(x, w), t -> Ops.headRmsNorm(t, x, w, 1e-5f), seed, TOL);
    }

    @Property(tries = 14, seed = "20261128")
    void rope(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 5) int seq,
              @ForAll @IntRange(min = 1, max = 3) int heads, @ForAll @IntRange(min = 1, max = 11) int halfDim,
              @ForAll RopePairing pairing, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        int d = 2 * halfDim;
        RopeTable table = new RopeTable(d, 16, 10000, pairing);
        Tensor x = GradCheck.random(rng, true, batch * seq, heads * d);
        GradCheck.check("rope", List.of(x), t -> Ops.rope(t, x, heads, d, seq, table), seed, TOL);
    }

    @Property(tries = 10, seed = "20261128")
    void attention(@ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 1, max = 5) int seq,
                   @ForAll @IntRange(min = 1, max = 2) int kvHeads, @ForAll @IntRange(min = 1, max = 2) int group,
                   @ForAll @IntRange(min = 1, max = 5) int headDim, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        int heads = kvHeads * group;
        Tensor q = GradCheck.random(rng, true, batch * seq, heads * headDim);
        Tensor k = GradCheck.random(rng, true, batch * seq, kvHeads * headDim);
        Tensor v = GradCheck.random(rng, true, batch * seq, kvHeads * headDim);
        float scale = (float) (1 / Math.sqrt(headDim));
        GradCheck.check("attention", List.of(q, k, v),
                t -> Ops.attention(t, q, k, v, batch, seq, heads, kvHeads, headDim, scale), seed, TOL);
    }

    @Property(tries = 10, seed = "20261128")
    void swiglu(@ForAll @IntRange(min = 1, max = 17) int n, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor g = GradCheck.random(rng, true, n), u = GradCheck.random(rng, true, n);
        GradCheck.check("swiglu", List.of(g, u), t -> Ops.swiglu(t, g, u), seed, TOL);
    }

    @Property(tries = 8, seed = "20261128")
    void embedding(@ForAll @IntRange(min = 1, max = 6) int vocab, @ForAll @IntRange(min = 1, max = 5) int d,
                   @ForAll @IntRange(min = 1, max = 7) int n, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor table = GradCheck.random(rng, true, vocab, d);
        int[] ids = rng.ints(n, 0, vocab).toArray();
        GradCheck.check("embedding", List.of(table), t -> Ops.embedding(t, table, ids), seed, TOL);
    }

    @Property(tries = 10, seed = "20261128")
    void crossEntropy(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 11) int vocab,
                      @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor logits = GradCheck.random(rng, true, rows, vocab);
        int[] targets = rng.ints(rows, -1, vocab).toArray();
        if (targets[0] < 0) targets[0] = 0; // at least one counted row
        GradCheck.check("crossEntropy", List.of(logits), t -> Ops.crossEntropy(t, logits, targets), seed, TOL);
    }

    @Property(tries = 6, seed = "20261128")
    void concat(@ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 5) int p,
                @ForAll @IntRange(min = 1, max = 5) int q, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor a = GradCheck.random(rng, true, n, p), b = GradCheck.random(rng, true, n, q);
        GradCheck.check("concat", List.of(a, b), t -> Ops.concat(t, a, b), seed, TOL);
    }

    @Property(tries = 6, seed = "20261128")
    void addAndScale(@ForAll @IntRange(min = 1, max = 9) int n, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor a = GradCheck.random(rng, true, n), b = GradCheck.random(rng, true, n);
        GradCheck.check("add", List.of(a, b), t -> Ops.scale(t, Ops.add(t, a, a.size() == b.size() ? b : a), 0.7f), seed, TOL);
    }

    @Property(tries = 6, seed = "20261128")
    void dropoutIsLinearInItsInput(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, 1, n);
        // The check's forward passes run without recording, where dropout is off; so test the mask through a
        // recording-only comparison instead: backward(dropout(x)) must equal the mask applied to the upstream grad.
        Tape tape = new Tape();
        Tensor y = Ops.dropout(tape, x, 0.3f, seed);
        Tensor loss = Ops.crossEntropy(tape, Ops.linear(tape, y, eye(n)), new int[]{0});
        tape.backward(loss);
        for (int i = 0; i < n; i++) {
            float mask = x.data[i] == 0 ? 0 : y.data[i] / x.data[i];
            float gy = y.grad[i];
            org.junit.jupiter.api.Assertions.assertEquals(gy * mask, x.grad[i], 1e-5f);
        }
    }

    @Property(tries = 8, seed = "20261128")
    void sliceHeads(@ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 3) int heads,
                    @ForAll @IntRange(min = 1, max = 7) int headDim, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        int offset = rng.nextInt(headDim), width = 1 + rng.nextInt(headDim - offset);
        Tensor x = GradCheck.random(rng, true, n, heads * headDim);
        GradCheck.check("sliceHeads", List.of(x), t -> Ops.sliceHeads(t, x, heads, headDim, offset, width), seed, TOL);
    }

    @Property(tries = 8, seed = "20261128")
    void concatHeads(@ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 3) int heads,
                     @ForAll @IntRange(min = 1, max = 5) int p, @ForAll @IntRange(min = 1, max = 5) int q,
                     @ForAll boolean shared, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor a = GradCheck.random(rng, true, n, heads * p), b = GradCheck.random(rng, true, n, (shared ? 1 : heads) * q);
        GradCheck.check("concatHeads", List.of(a, b), t -> Ops.concatHeads(t, a, b, heads, shared), seed, TOL);
    }

    @Property(tries = 6, seed = "20261128")
    void padHeads(@ForAll @IntRange(min = 1, max = 4) int n, @ForAll @IntRange(min = 1, max = 3) int heads,
                  @ForAll @IntRange(min = 1, max = 5) int width, @ForAll @IntRange(min = 0, max = 3) int extra,
                  @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random rng = new Random(seed);
        Tensor x = GradCheck.random(rng, true, n, heads * width);
        GradCheck.check("padHeads", List.of(x), t -> Ops.padHeads(t, x, heads, width, width + extra), seed, TOL);
    }

    private static Tensor eye(int n) {
        Tensor t = Tensor.zeros(false, n, n);
        for (int i = 0; i < n; i++) t.data[i * n + i] = 1;
        return t;
    }
}
