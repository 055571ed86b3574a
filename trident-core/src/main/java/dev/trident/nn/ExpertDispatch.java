package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.kernels.VecMath;
import dev.trident.kernels.WorkerPool;
import dev.trident.quant.Fp8Tiles;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the experts of a mixture-of-experts layer as one grouped op:
 * y[t] = shared(x[t]) + sum_k g[t, k] * FFN_{e(t, k)}(x[t]). The (token, slot) pairs are sorted by expert, so each
 * routed expert's tokens form one contiguous block of rows, multiplied by its weights in one GEMM per matrix
 * (forward and backward), never one matrix-vector product per token. The shared experts (optional) are one more
 * block: all tokens, read in place.
 *
 * <p>Each expert's whole chain is one unit of work: forward, gather its rows, the gate and up GEMMs (the rows packed
 * once for both), SwiGLU, the down GEMM; backward, dH = dY W_down, dW_down += dY^T H, SwiGLU backward,
 * dW_gate += dA^T X and dW_up += dB^T X (X packed once for both), dX = dA W_gate + dB W_up. The pool's threads claim
 * units largest first (the shared block, then routed experts by load), so two threads run two experts at once
 * instead of splitting small GEMMs. The per-token steps (weighting and summing the outputs, the gate gradients,
 * summing dX) run over tokens, each token in slot order, so results do not depend on the thread count.
 *
 * <p>Expert dropout (Switch Transformer / ST-MoE): while training, the routed experts' hidden activations
 * silu(a) * b can be dropped with their own rate, higher than the model's, because a model with many experts on
 * little text memorises it through them. The mask is drawn per (token, slot) pair in pair order, so it does not
 * depend on how the pairs are grouped or on the thread count; the shared experts are not dropped.
 */
final class ExpertDispatch {
    /** Below this many floats of per-token work, handing it to the pool costs more than it saves. */
    private static final long PARALLEL_FLOATS = 1L << 16;

    private ExpertDispatch() {}

    /**
     * Rows of the gathered blocks: start[e]..start[e+1] belong to routed expert e; row r holds pair order[r].
     * units lists the work, largest first: routed experts with tokens, and numExperts for the shared block.
     */
    private record Groups(int[] start, int[] order, int[] rowOfPair, int[] units, int unitCount) {
        int size(int e) { return start[e + 1] - start[e]; }
    }

    /** The routed experts only (no shared block). */
    static Tensor apply(Tape tape, Tensor x, Router.Routing routing, FeedForward[] experts, float expertDropout, long seed) {
        return apply(tape, x, routing, experts, null, expertDropout, seed);
    }

    /** Routed experts plus, when shared is not null, the shared experts' SwiGLU over every token; no expert dropout. */
    static Tensor apply(Tape tape, Tensor x, Router.Routing routing, FeedForward[] experts, FeedForward shared) {
        return apply(tape, x, routing, experts, shared, 0f, 0L);
    }

    /**
     * Routed experts plus, when shared is not null, the shared experts' SwiGLU over every token; while the tape
     * records, each routed expert's hidden activations are dropped with probability expertDropout (seeded).
     */
    static Tensor apply(Tape tape, Tensor x, Router.Routing routing, FeedForward[] experts, FeedForward shared,
                        float expertDropout, long seed) {
        int n = x.rows(), d = x.cols(), k = routing.gates().cols(), numExperts = experts.length;
        int h = experts[0].spec.hiddenDim(), rows = n * k, hs = shared == null ? 0 : shared.spec.hiddenDim();
        Tensor gates = routing.gates();
        Groups g = group(tape, routing.experts(), rows, numExperts, shared != null);

        float[] xg = tape.buffer(rows * d), a = tape.buffer(rows * h), b = tape.buffer(rows * h),
                hid = tape.buffer(rows * h), y = tape.buffer(rows * d);
        float[] sa = shared == null ? null : tape.buffer(n * hs), sb = shared == null ? null : tape.buffer(n * hs),
                sHid = shared == null ? null : tape.buffer(n * hs), sy = shared == null ? null : tape.buffer(n * d);
        Fp8 q = tape.fp8() ? Fp8.of(tape, rows, d, h, numExperts) : null;
        Fp8 sq = tape.fp8() && shared != null ? Fp8.of(tape, n, d, hs, 1) : null;
        float[] keep = expertDropout > 0 && tape.recording() ? dropoutMask(tape, g, rows, h, expertDropout, seed) : null;
        forEachUnit(g, e -> {
            if (e == numExperts) {
                forward(shared, sq, 0, x.data, 0, n, d, sa, sb, sHid, null, sy, 0);
                return;
            }
            int off = g.start[e], m = g.size(e);
            for (int r = off; r < off + m; r++) System.arraycopy(x.data, (g.order[r] / k) * d, xg, r * d, d);
            forward(experts[e], q, e, xg, off, m, d, a, b, hid, keep, y, off);
        });
        Tensor out = tape.tensor(n, d);
        forEachToken(n, (long) (k + 1) * d, (from, to) -> {
            for (int t = from; t < to; t++) {
                if (sy != null) System.arraycopy(sy, t * d, out.data, t * d, d);
                else Arrays.fill(out.data, t * d, (t + 1) * d, 0f);
                for (int j = 0; j < k; j++)
                    VecMath.axpy(gates.data[t * k + j], y, g.rowOfPair[t * k + j] * d, out.data, t * d, d);
            }
        });

        tape.record(() -> {
            if (out.grad == null) return;
            float[] dy = tape.buffer(rows * d), dHid = tape.buffer(rows * h), da = tape.buffer(rows * h),
                    db = tape.buffer(rows * h), dxg = tape.buffer(rows * d);
            float[] sdHid = shared == null ? null : tape.buffer(n * hs), sda = shared == null ? null : tape.buffer(n * hs),
                    sdb = shared == null ? null : tape.buffer(n * hs);
            float[] dGates = gates.requiresGrad ? tape.grad(gates) : null;
            float[] dOut = out.grad;
            // dY = g dOut[t] for each row; dg[t, k] = dOut[t] . y[row]
            forEachToken(n, 2L * k * d, (from, to) -> {
                for (int t = from; t < to; t++)
                    for (int j = 0; j < k; j++) {
                        int p = t * k + j, r = g.rowOfPair[p];
                        System.arraycopy(dOut, t * d, dy, r * d, d);
                        VecMath.scale(dy, r * d, d, gates.data[p]);
                        if (dGates != null) dGates[p] += VecMath.dot(dOut, t * d, y, r * d, d);
                    }
            });
            // Gradient buffers are allocated here, on the calling thread, not by the workers.
            for (FeedForward f : experts) { tape.grad(f.gate); tape.grad(f.up); tape.grad(f.down); }
            if (shared != null) { tape.grad(shared.gate); tape.grad(shared.up); tape.grad(shared.down); }
            float[] dx = x.requiresGrad ? tape.grad(x) : null;
            forEachUnit(g, e -> {
                if (e == numExperts) {
                    // The shared block reads x and dOut in place and adds its dX straight into dx.
                    backward(shared, sq, 0, x.data, 0, dOut, 0, n, d, sa, sb, sHid, null, 0, sdHid, sda, sdb, dx, 1f);
                    return;
                }
                int off = g.start[e];
                backward(experts[e], q, e, xg, off, dy, off, g.size(e), d, a, b, hid, keep, off, dHid, da, db, dx == null ? null : dxg, 0f);
            });
            if (dx != null) {
                forEachToken(n, (long) k * d, (from, to) -> {
                    for (int t = from; t < to; t++)
                        for (int j = 0; j < k; j++) VecMath.axpy(1f, dxg, g.rowOfPair[t * k + j] * d, dx, t * d, d);
                });
            }
        });
        return out;
    }

    /**
     * The tape's FP8 mode, as in {@link dev.trident.autograd.Ops#linear}: every expert GEMM takes E4M3-rounded inputs
     * with DeepSeek-V3's tiles ({@link Fp8Tiles}): X, H, dY, dA, dB in 1x128 tiles along the reduction for the forward
     * and input-gradient GEMMs, in 128x1 tiles along the tokens for the weight-gradient GEMMs, weights in 128x128
     * blocks; accumulation and master weights stay fp32. The buffers are sliced by row like the fp32 ones, so units
     * never share a slice; an expert's rounded weights are computed once in the forward and read again in backward.
     */
    private record Fp8(float[] x, float[] hid, float[] dy, float[] da, float[] db, float[] wGate, float[] wUp, float[] wDown) {
        static Fp8 of(Tape tape, int rows, int d, int h, int experts) {
            tape.countLinearInput(rows, d);
            tape.countLinearInput(rows, h);
            return new Fp8(tape.buffer(rows * d), tape.buffer(rows * h), tape.buffer(rows * d), tape.buffer(rows * h),
                    tape.buffer(rows * h), tape.buffer(experts * h * d), tape.buffer(experts * h * d), tape.buffer(experts * h * d));
        }
    }

    /**
     * One expert on m rows of src from row srcRow: a, b, hid (rows from row) and y = down(keep * silu(a) * b), keep
     * the dropout mask (null: none). q null: fp32; else expert e's weights and the rows are rounded to FP8 first.
     */
    private static void forward(FeedForward f, Fp8 q, int e, float[] src, int srcRow, int m, int d,
                                float[] a, float[] b, float[] hid, float[] keep, float[] y, int row) {
        int h = f.spec.hiddenDim(), w = 0;
        float[] in = src, wg = f.gate.data, wu = f.up.data, wd = f.down.data;
        int inOff = srcRow * d;
        byte[] s = q == null ? null : new byte[Fp8Tiles.TILE];
        if (q != null) {
            w = e * h * d;
            Fp8Tiles.blocks(f.gate.data, h, d, q.wGate, w, s);
            Fp8Tiles.blocks(f.up.data, h, d, q.wUp, w, s);
            Fp8Tiles.blocks(f.down.data, d, h, q.wDown, w, s);
            Fp8Tiles.rowTiles(src, srcRow * d, m, d, q.x, row * d, s);
            in = q.x;
            inOff = row * d;
            wg = q.wGate;
            wu = q.wUp;
            wd = q.wDown;
        }
        Gemm.serialSharedA(false, true, m, h, d, in, inOff, d, wg, w, wu, w, d, 0f, a, row * h, b, row * h, h);
        SwiGluKernel.forwardRange(a, b, hid, row * h, (row + m) * h);
        if (keep != null) for (int i = row * h; i < (row + m) * h; i++) hid[i] *= keep[i];
        float[] hIn = hid;
        if (q != null) {
            Fp8Tiles.rowTiles(hid, row * h, m, h, q.hid, row * h, s);
            hIn = q.hid;
        }
        Gemm.serial(false, true, m, d, h, hIn, row * h, h, wd, w, h, 0f, y, row * d, d);
    }

    /**
     * Backward of {@link #forward} given dY (m rows of dy from dyRow): adds the weight gradients and writes (beta 0)
     * or adds (beta 1) dX into dx from row srcRow; dx null skips it. q as in the forward (its weights reused).
     */
    private static void backward(FeedForward f, Fp8 q, int e, float[] src, int srcRow, float[] dy, int dyRow, int m, int d,
                                 float[] a, float[] b, float[] hid, float[] keep, int row, float[] dHid, float[] da, float[] db,
                                 float[] dx, float beta) {
        int h = f.spec.hiddenDim(), w = q == null ? 0 : e * h * d;
        float[] wg = q == null ? f.gate.data : q.wGate, wu = q == null ? f.up.data : q.wUp, wd = q == null ? f.down.data : q.wDown;
        byte[] s = q == null ? null : new byte[Fp8Tiles.TILE];
        // dH = dY W_down ; dW_down += dY^T H
        float[] g = dy;
        int gOff = dyRow * d;
        if (q != null) {
            Fp8Tiles.rowTiles(dy, dyRow * d, m, d, q.dy, row * d, s);
            g = q.dy;
            gOff = row * d;
        }
        Gemm.serial(false, false, m, h, d, g, gOff, d, wd, w, h, 0f, dHid, row * h, h);
        float[] hT = hid;
        if (q != null) {
            Fp8Tiles.columnTiles(dy, dyRow * d, m, d, q.dy, row * d);
            Fp8Tiles.columnTiles(hid, row * h, m, h, q.hid, row * h);
            hT = q.hid;
        }
        Gemm.serial(true, false, d, h, m, g, gOff, d, hT, row * h, h, 1f, f.down.grad, 0, h);
        if (keep != null) for (int i = row * h; i < (row + m) * h; i++) dHid[i] *= keep[i];
        SwiGluKernel.backwardRange(a, b, dHid, da, db, row * h, (row + m) * h);
        // dW_gate += dA^T X ; dW_up += dB^T X ; dX = dA W_gate + dB W_up
        float[] ga = da, gb = db, xT = src;
        int xOff = srcRow * d;
        if (q != null) {
            Fp8Tiles.columnTiles(da, row * h, m, h, q.da, row * h);
            Fp8Tiles.columnTiles(db, row * h, m, h, q.db, row * h);
            Fp8Tiles.columnTiles(src, srcRow * d, m, d, q.x, row * d);
            ga = q.da;
            gb = q.db;
            xT = q.x;
            xOff = row * d;
        }
        Gemm.serialSharedB(true, false, h, d, m, ga, row * h, gb, row * h, h, xT, xOff, d,
                1f, f.gate.grad, 0, f.up.grad, 0, d);
        if (dx == null) return;
        if (q != null) {
            Fp8Tiles.rowTiles(da, row * h, m, h, q.da, row * h, s);
            Fp8Tiles.rowTiles(db, row * h, m, h, q.db, row * h, s);
        }
        Gemm.serial(false, false, m, d, h, ga, row * h, h, wg, w, d, beta, dx, srcRow * d, d);
        Gemm.serial(false, false, m, d, h, gb, row * h, h, wu, w, d, 1f, dx, srcRow * d, d);
    }

    /**
     * The dropout mask of the routed rows: 0 with probability p, else 1 / (1 - p), drawn pair by pair in pair order
     * (pair t * k + j is token t's j-th expert) and stored at the pair's row of the grouped blocks.
     */
    private static float[] dropoutMask(Tape tape, Groups g, int pairs, int h, float p, long seed) {
        float[] keep = tape.buffer(pairs * h);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float scale = 1f / (1f - p);
        for (int pair = 0; pair < pairs; pair++)
            for (int i = 0, r = g.rowOfPair[pair] * h; i < h; i++) keep[r + i] = rng.nextDouble() < p ? 0f : scale;
        return keep;
    }

    /** Counting sort of the (token, slot) pairs by expert, and the units of work, largest first. */
    private static Groups group(Tape tape, int[] chosen, int rows, int numExperts, boolean shared) {
        int[] start = tape.ints(numExperts + 1), order = tape.ints(rows), rowOfPair = tape.ints(rows),
                units = tape.ints(numExperts + 1), fill = tape.ints(numExperts);
        Arrays.fill(start, 0);
        for (int p = 0; p < rows; p++) start[chosen[p] + 1]++;
        for (int e = 0; e < numExperts; e++) start[e + 1] += start[e];
        System.arraycopy(start, 0, fill, 0, numExperts);
        for (int p = 0; p < rows; p++) {
            int r = fill[chosen[p]]++;
            order[r] = p;
            rowOfPair[p] = r;
        }
        // The shared block (every token) first, then the routed experts by load, descending (insertion sort: N_r is
        // small), those without tokens left out.
        int count = 0;
        if (shared) units[count++] = numExperts;
        int first = count;
        for (int e = 0; e < numExperts; e++) {
            int load = start[e + 1] - start[e];
            if (load == 0) continue;
            int j = count++;
            while (j > first && start[units[j - 1] + 1] - start[units[j - 1]] < load) {
                units[j] = units[j - 1];
                j--;
            }
            units[j] = e;
        }
        return new Groups(start, order, rowOfPair, units, count);
    }

    /** Runs body for every unit; pool threads claim units in order (largest first). */
    private static void forEachUnit(Groups g, IntConsumer body) {
        WorkerPool pool = WorkerPool.global();
        if (pool.threads() == 1 || g.unitCount <= 1) {
            for (int i = 0; i < g.unitCount; i++) body.accept(g.units[i]);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        pool.parallelFor(pool.threads(), (from, to, worker) -> {
            for (int i; (i = next.getAndIncrement()) < g.unitCount; ) body.accept(g.units[i]);
        });
    }

    private interface TokenRange {
        void run(int from, int to);
    }

    /** Runs body over token ranges, on the pool when there is enough work (floatsPerToken each). */
    private static void forEachToken(int n, long floatsPerToken, TokenRange body) {
        WorkerPool pool = WorkerPool.global();
        if (pool.threads() == 1 || n * floatsPerToken < PARALLEL_FLOATS) body.run(0, n);
        else pool.parallelFor(n, (from, to, worker) -> body.run(from, to));
    }
}
