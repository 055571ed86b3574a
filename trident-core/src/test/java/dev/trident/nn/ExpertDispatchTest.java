package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.Reference;
import dev.trident.kernels.WorkerPool;
import dev.trident.quant.Fp8Tiles;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The grouped expert dispatch (sorted token blocks, packed and paired GEMMs, experts spread over the pool) against a
 * per-token scalar twin built from {@link Reference} kernels: each token through the shared SwiGLU and each (token,
 * slot) pair through its expert's SwiGLU, one row at a time, forward and backward by the textbook formulas. Shapes are big enough for the packed GEMM paths
 * and odd-sized; one expert gets no token and one a single token. Results must also be bit-identical with one and
 * two threads (resume and reruns depend on it). The finite-difference check of the same op is in
 * MoeGradientProperties.
 */
class ExpertDispatchTest {
    private static final int N = 151, D = 67, H = 45, HS = 39, E = 6, K = 2;

    @Test
    void matchesThePerTokenReferenceForwardAndBackward() {
        Fixture f = new Fixture(7);
        Result want = f.reference();
        Result got = f.dispatch(1);
        assertClose("out", want.out, got.out);
        assertClose("dx", want.dx, got.dx);
        assertClose("dGates", want.dGates, got.dGates);
        for (int e = 0; e < E; e++) {
            assertClose("dW_gate of expert " + e, want.dGate[e], got.dGate[e]);
            assertClose("dW_up of expert " + e, want.dUp[e], got.dUp[e]);
            assertClose("dW_down of expert " + e, want.dDown[e], got.dDown[e]);
        }
    }

    /**
     * Expert dropout (Switch / ST-MoE): the routed experts' hidden activations times a mask drawn per (token, slot)
     * pair in pair order, forward and backward, against the per-token reference with the same mask; the shared
     * experts are not dropped; about p of the routed activations are zero; same bits on one and two threads.
     */
    @Test
    void expertDropoutMasksTheRoutedHiddenActivations() {
        Fixture f = new Fixture(11);
        f.dropout = 0.4f;
        f.dropoutSeed = 99;
        Result want = f.reference(), got = f.dispatch(1);
        assertClose("out", want.out, got.out);
        assertClose("dx", want.dx, got.dx);
        assertClose("dGates", want.dGates, got.dGates);
        for (int e = 0; e <= E; e++) {
            assertClose("dW_gate of expert " + e, want.dGate[e], got.dGate[e]);
            assertClose("dW_down of expert " + e, want.dDown[e], got.dDown[e]);
        }
        float[][] mask = f.mask();
        int zeros = 0, all = 0;
        for (float[] m : mask) for (float v : m) { all++; if (v == 0) zeros++; }
        double share = (double) zeros / all;
        if (Math.abs(share - 0.4) > 0.03) fail("dropped share " + share + ", expected about 0.4");
        f.dropout = 0;
        Result plain = f.dispatch(1);
        boolean differs = false;
        for (int i = 0; i < plain.out.length; i++) differs |= plain.out[i] != got.out[i];
        if (!differs) fail("expert dropout changed nothing");
        f.dropout = 0.4f;
        Result two = f.dispatch(2);
        assertArrayEquals(got.out, two.out);
        assertArrayEquals(got.dx, two.dx);
    }

    @Test
    void givesTheSameBitsOnOneAndTwoThreads() {
        Fixture f = new Fixture(11);
        Result one = f.dispatch(1), two = f.dispatch(2);
        assertArrayEquals(one.out, two.out, "out");
        assertArrayEquals(one.dx, two.dx, "dx");
        assertArrayEquals(one.dGates, two.dGates, "dGates");
        for (int e = 0; e <= E; e++) {
            assertArrayEquals(one.dGate[e], two.dGate[e]);
            assertArrayEquals(one.dUp[e], two.dUp[e]);
            assertArrayEquals(one.dDown[e], two.dDown[e]);
        }
    }

    @Test
    void fp8ModeRoundsEveryExpertGemmInput() {
        Fixture f = new Fixture(13);
        Result exact = f.dispatch(1, false), fp8 = f.dispatch(1, true);
        // Forward: the per-token reference on E4M3-rounded rows (1x128 tiles) and weights (128x128 blocks). Not to
        // the last bit: a hidden value within float rounding of an E4M3 tie may round the other way (one E4M3 step).
        float[] reference = f.fp8ReferenceOut();
        double toReference = relativeError(reference, fp8.out), toExact = relativeError(exact.out, fp8.out);
        if (!(toReference < toExact / 20)) fail("fp8 out: " + toReference + " from its reference, " + toExact + " from fp32");
        assertRelativeError("fp8 out", exact.out, fp8.out, 0.002, 0.1);
        // Backward: the rounding (also along the tokens, which depends on the grouping) stays a small error.
        assertRelativeError("fp8 dx", exact.dx, fp8.dx, 0.002, 0.1);
        assertRelativeError("fp8 dGates", exact.dGates, fp8.dGates, 0.002, 0.1);
        for (int e = 0; e <= E; e++) {
            if (e == E - 1) continue; // no token: no gradient either way
            assertRelativeError("fp8 dW_gate of expert " + e, exact.dGate[e], fp8.dGate[e], 0.002, 0.1);
            assertRelativeError("fp8 dW_down of expert " + e, exact.dDown[e], fp8.dDown[e], 0.002, 0.1);
        }
        Result two = f.dispatch(2, true);
        assertArrayEquals(fp8.out, two.out, "fp8 out, 1 vs 2 threads");
        assertArrayEquals(fp8.dx, two.dx, "fp8 dx, 1 vs 2 threads");
    }

    /** Relative Frobenius error of got against want: above min (the rounding is on) and below max. */
    private static void assertRelativeError(String what, float[] want, float[] got, double min, double max) {
        double rel = relativeError(want, got);
        if (!(rel > min && rel < max)) fail(what + ": relative error " + rel + " outside (" + min + ", " + max + ")");
    }

    private static double relativeError(float[] want, float[] got) {
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += Math.pow(got[i] - want[i], 2);
            norm += Math.pow(want[i], 2);
        }
        return Math.sqrt(diff / norm);
    }

    /** Gradients of expert e at index e; index E holds the shared experts'. */
    private record Result(float[] out, float[] dx, float[] dGates, float[][] dGate, float[][] dUp, float[][] dDown) {}

    private static final class Fixture {
        final FeedForward[] experts = new FeedForward[E];
        final FeedForward shared;
        final float[] x = new float[N * D], gates = new float[N * K], dOut = new float[N * D];
        final int[] chosen = new int[N * K];
        float dropout;
        long dropoutSeed;

        Fixture(long seed) {
            Parameters params = new Parameters(seed);
            for (int e = 0; e < E; e++) experts[e] = new FeedForward(params, "e" + e, new FeedForwardSpec(D, H), 0.3, 0.3);
            shared = new FeedForward(params, "shared", new FeedForwardSpec(D, HS), 0.3, 0.3);
            Random r = new Random(seed);
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < dOut.length; i++) dOut[i] = (float) r.nextGaussian();
            for (int i = 0; i < gates.length; i++) gates[i] = 0.2f + r.nextFloat();
            // Uneven loads: expert E-1 gets no token, expert E-2 exactly one (token 0, slot 1), the rest at random.
            for (int t = 0; t < N; t++) {
                chosen[t * K] = r.nextInt(E - 2);
                do chosen[t * K + 1] = r.nextInt(E - 2); while (chosen[t * K + 1] == chosen[t * K]);
            }
            chosen[1] = E - 2;
        }

        Result dispatch(int threads) {
            return dispatch(threads, false);
        }

        Result dispatch(int threads, boolean fp8) {
            int before = WorkerPool.global().threads();
            WorkerPool.setGlobalThreads(threads);
            try {
                for (FeedForward f : all()) { f.gate.zeroGrad(); f.up.zeroGrad(); f.down.zeroGrad(); }
                Tensor xt = new Tensor(x.clone(), true, N, D), g = new Tensor(gates.clone(), true, N, K);
                Tape tape = new Tape();
                tape.setFp8(fp8);
                Tensor out = ExpertDispatch.apply(tape, xt, new Router.Routing(chosen.clone(), g, null), experts, shared, dropout, dropoutSeed);
                Tensor loss = tape.tensor(1);
                tape.record(() -> System.arraycopy(dOut, 0, tape.grad(out), 0, dOut.length));
                tape.backward(loss);
                Result res = new Result(out.data.clone(), xt.grad.clone(), g.grad.clone(), new float[E + 1][], new float[E + 1][], new float[E + 1][]);
                for (int e = 0; e <= E; e++) {
                    res.dGate[e] = all()[e].gate.grad.clone();
                    res.dUp[e] = all()[e].up.grad.clone();
                    res.dDown[e] = all()[e].down.grad.clone();
                }
                tape.reset();
                return res;
            } finally {
                WorkerPool.setGlobalThreads(before);
            }
        }

        FeedForward[] all() {
            FeedForward[] all = java.util.Arrays.copyOf(experts, E + 1);
            all[E] = shared;
            return all;
        }

        /** The forward with every GEMM input rounded as DeepSeek-V3's FP8 recipe does, one token at a time. */
        float[] fp8ReferenceOut() {
            float[] out = new float[N * D], xt = new float[D];
            byte[] s = new byte[Fp8Tiles.TILE];
            for (int t = 0; t < N; t++) {
                Fp8Tiles.rowTiles(x, t * D, 1, D, xt, 0, s);
                for (int j = 0; j <= K; j++) {
                    int p = t * K + j, e = j == K ? E : chosen[p];
                    FeedForward f = all()[e];
                    int H = f.spec.hiddenDim();
                    float[] wg = new float[H * D], wu = new float[H * D], wd = new float[D * H];
                    Fp8Tiles.blocks(f.gate.data, H, D, wg, s);
                    Fp8Tiles.blocks(f.up.data, H, D, wu, s);
                    Fp8Tiles.blocks(f.down.data, D, H, wd, s);
                    float[] a = new float[H], b = new float[H], hid = new float[H], hq = new float[H], y = new float[D];
                    Reference.gemv(H, D, wg, 0, xt, 0, a, 0);
                    Reference.gemv(H, D, wu, 0, xt, 0, b, 0);
                    Reference.swigluForward(a, b, hid, H);
                    Fp8Tiles.rowTiles(hid, 0, 1, H, hq, 0, s);
                    Reference.gemv(D, H, wd, 0, hq, 0, y, 0);
                    float g = j == K ? 1f : gates[p];
                    for (int i = 0; i < D; i++) out[t * D + i] += g * y[i];
                }
            }
            return out;
        }

        /** The dropout mask of each (token, slot) pair, drawn as the dispatch documents: pair order, one RNG. */
        float[][] mask() {
            float[][] m = new float[N * K][H];
            java.util.SplittableRandom rng = new java.util.SplittableRandom(dropoutSeed);
            for (int p = 0; p < N * K; p++)
                for (int i = 0; i < H; i++) m[p][i] = dropout > 0 && rng.nextDouble() < dropout ? 0f : 1f / (1f - dropout);
            return m;
        }

        Result reference() {
            float[][] keep = dropout > 0 ? mask() : null;
            Result res = new Result(new float[N * D], new float[N * D], new float[N * K], new float[E + 1][], new float[E + 1][], new float[E + 1][]);
            for (int e = 0; e <= E; e++) {
                int h = all()[e].spec.hiddenDim();
                res.dGate[e] = new float[h * D];
                res.dUp[e] = new float[h * D];
                res.dDown[e] = new float[D * h];
            }
            float[] xt = new float[D], go = new float[D];
            for (int t = 0; t < N; t++) {
                System.arraycopy(x, t * D, xt, 0, D);
                System.arraycopy(dOut, t * D, go, 0, D);
                for (int j = 0; j <= K; j++) {
                    // slots 0..K-1 are routed; slot K is the shared block, weight 1 and no gate gradient
                    int p = t * K + j, e = j == K ? E : chosen[p];
                    FeedForward f = all()[e];
                    int H = f.spec.hiddenDim();
                    float g = j == K ? 1f : gates[p];
                    float[] a = new float[H], b = new float[H], hid = new float[H], y = new float[D], dy = new float[D],
                            dHid = new float[H], da = new float[H], db = new float[H], dx = new float[D];
                    Reference.gemv(H, D, f.gate.data, 0, xt, 0, a, 0);
                    Reference.gemv(H, D, f.up.data, 0, xt, 0, b, 0);
                    Reference.swigluForward(a, b, hid, H);
                    if (keep != null && j < K) for (int i = 0; i < H; i++) hid[i] *= keep[p][i];
                    Reference.gemv(D, H, f.down.data, 0, hid, 0, y, 0);
                    double dot = 0;
                    for (int i = 0; i < D; i++) {
                        res.out[t * D + i] += g * y[i];
                        dot += (double) go[i] * y[i];
                        dy[i] = g * go[i];
                    }
                    if (j < K) res.dGates[p] = (float) dot;
                    // dH = W_down^T dy ; dW_down += dy hid^T
                    Reference.sgemm(true, false, H, 1, D, f.down.data, 0, H, dy, 0, 1, 0f, dHid, 0, 1);
                    Reference.sgemm(false, false, D, H, 1, dy, 0, 1, hid, 0, H, 1f, res.dDown[e], 0, H);
                    if (keep != null && j < K) for (int i = 0; i < H; i++) dHid[i] *= keep[p][i];
                    Reference.swigluBackward(a, b, dHid, da, db, H);
                    // dW_gate += da x^T ; dW_up += db x^T ; dx += W_gate^T da + W_up^T db
                    Reference.sgemm(false, false, H, D, 1, da, 0, 1, xt, 0, D, 1f, res.dGate[e], 0, D);
                    Reference.sgemm(false, false, H, D, 1, db, 0, 1, xt, 0, D, 1f, res.dUp[e], 0, D);
                    Reference.sgemm(true, false, D, 1, H, f.gate.data, 0, D, da, 0, 1, 0f, dx, 0, 1);
                    Reference.sgemm(true, false, D, 1, H, f.up.data, 0, D, db, 0, 1, 1f, dx, 0, 1);
                    for (int i = 0; i < D; i++) res.dx[t * D + i] += dx[i];
                }
            }
            return res;
        }
    }

    private static void assertClose(String what, float[] want, float[] got) {
        double norm = 0;
        for (float v : want) norm = Math.max(norm, Math.abs(v));
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs(got[i] - want[i]) <= 1e-5 * norm + 1e-4 * Math.abs(want[i])))
                fail(what + " index " + i + ": " + got[i] + " vs reference " + want[i] + " (max |value| " + norm + ")");
    }
}
