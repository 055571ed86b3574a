package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.kernels.VecMath;
import dev.trident.kernels.WorkerPool;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the routed experts of a batch as one grouped op: y[t] = sum_k g[t, k] * FFN_{e(t, k)}(x[t]). The (token,
 * slot) pairs are sorted by expert, so each expert's tokens form one contiguous block of rows, multiplied by its
 * weights in one GEMM per matrix (forward and backward), never one matrix-vector product per token.
 *
 * <p>Each expert's whole chain is one unit of work: forward, gather its rows, the gate and up GEMMs (the rows packed
 * once for both), SwiGLU, the down GEMM; backward, dH = dY W_down, dW_down += dY^T H, SwiGLU backward,
 * dW_gate += dA^T X and dW_up += dB^T X (X packed once for both), dX = dA W_gate + dB W_up. The pool's threads claim
 * experts largest first, so two threads run two experts at once instead of splitting small GEMMs. The per-token
 * steps (weighting and summing the K outputs, the gate gradients, summing dX) run over tokens, each token in slot
 * order, so results do not depend on the thread count.
 */
final class ExpertDispatch {
    /** Below this many floats of per-token work, handing it to the pool costs more than it saves. */
    private static final long PARALLEL_FLOATS = 1L << 16;

    private ExpertDispatch() {}

    /** Rows of the gathered blocks: start[e]..start[e+1] belong to expert e; row r holds pair order[r]. */
    private record Groups(int[] start, int[] order, int[] rowOfPair, int[] bySize) {
        int size(int e) { return start[e + 1] - start[e]; }
    }

    static Tensor apply(Tape tape, Tensor x, Router.Routing routing, FeedForward[] experts) {
        int n = x.rows(), d = x.cols(), k = routing.gates().cols(), numExperts = experts.length;
        int h = experts[0].spec.hiddenDim(), rows = n * k;
        Tensor gates = routing.gates();
        Groups g = group(tape, routing.experts(), rows, numExperts);

        float[] xg = tape.buffer(rows * d), a = tape.buffer(rows * h), b = tape.buffer(rows * h),
                hid = tape.buffer(rows * h), y = tape.buffer(rows * d);
        forEachExpert(g, numExperts, e -> {
            int off = g.start[e], m = g.size(e);
            FeedForward f = experts[e];
            for (int r = off; r < off + m; r++) System.arraycopy(x.data, (g.order[r] / k) * d, xg, r * d, d);
            Gemm.serialSharedA(false, true, m, h, d, xg, off * d, d, f.gate.data, 0, f.up.data, 0, d,
                    0f, a, off * h, b, off * h, h);
            SwiGluKernel.forwardRange(a, b, hid, off * h, (off + m) * h);
            Gemm.serial(false, true, m, d, h, hid, off * h, h, f.down.data, 0, h, 0f, y, off * d, d);
        });
        Tensor out = tape.tensor(n, d);
        forEachToken(n, (long) k * d, (from, to) -> {
            for (int t = from; t < to; t++) {
                Arrays.fill(out.data, t * d, (t + 1) * d, 0f);
                for (int j = 0; j < k; j++)
                    VecMath.axpy(gates.data[t * k + j], y, g.rowOfPair[t * k + j] * d, out.data, t * d, d);
            }
        });

        tape.record(() -> {
            if (out.grad == null) return;
            float[] dy = tape.buffer(rows * d), dHid = tape.buffer(rows * h), da = tape.buffer(rows * h),
                    db = tape.buffer(rows * h), dxg = tape.buffer(rows * d);
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
            for (FeedForward f : experts) { tape.grad(f.gate); tape.grad(f.up); tape.grad(f.down); } // allocate here, not on workers
            forEachExpert(g, numExperts, e -> {
                int off = g.start[e], m = g.size(e);
                FeedForward f = experts[e];
                // dH = dY W_down ; dW_down += dY^T H
                Gemm.serial(false, false, m, h, d, dy, off * d, d, f.down.data, 0, h, 0f, dHid, off * h, h);
                Gemm.serial(true, false, d, h, m, dy, off * d, d, hid, off * h, h, 1f, f.down.grad, 0, h);
                SwiGluKernel.backwardRange(a, b, dHid, da, db, off * h, (off + m) * h);
                // dW_gate += dA^T X ; dW_up += dB^T X ; dX = dA W_gate + dB W_up
                Gemm.serialSharedB(true, false, h, d, m, da, off * h, db, off * h, h, xg, off * d, d,
                        1f, f.gate.grad, 0, f.up.grad, 0, d);
                Gemm.serial(false, false, m, d, h, da, off * h, h, f.gate.data, 0, d, 0f, dxg, off * d, d);
                Gemm.serial(false, false, m, d, h, db, off * h, h, f.up.data, 0, d, 1f, dxg, off * d, d);
            });
            if (x.requiresGrad) {
                float[] dx = tape.grad(x);
                forEachToken(n, (long) k * d, (from, to) -> {
                    for (int t = from; t < to; t++)
                        for (int j = 0; j < k; j++) VecMath.axpy(1f, dxg, g.rowOfPair[t * k + j] * d, dx, t * d, d);
                });
            }
        });
        return out;
    }

    /** Counting sort of the (token, slot) pairs by expert, and the experts ordered by load, largest first. */
    private static Groups group(Tape tape, int[] chosen, int rows, int numExperts) {
        int[] start = tape.ints(numExperts + 1), order = tape.ints(rows), rowOfPair = tape.ints(rows),
                bySize = tape.ints(numExperts), fill = tape.ints(numExperts);
        Arrays.fill(start, 0);
        for (int p = 0; p < rows; p++) start[chosen[p] + 1]++;
        for (int e = 0; e < numExperts; e++) start[e + 1] += start[e];
        System.arraycopy(start, 0, fill, 0, numExperts);
        for (int p = 0; p < rows; p++) {
            int r = fill[chosen[p]]++;
            order[r] = p;
            rowOfPair[p] = r;
        }
        // Insertion sort of the experts by load (descending; ties by index): N_r is small.
        for (int i = 0; i < numExperts; i++) {
            int e = i, load = start[e + 1] - start[e], j = i;
            while (j > 0 && start[bySize[j - 1] + 1] - start[bySize[j - 1]] < load) {
                bySize[j] = bySize[j - 1];
                j--;
            }
            bySize[j] = e;
        }
        return new Groups(start, order, rowOfPair, bySize);
    }

    /** Runs body for every expert with tokens; pool threads claim experts, largest first. */
    private static void forEachExpert(Groups g, int numExperts, IntConsumer body) {
        int busy = 0;
        while (busy < numExperts && g.size(g.bySize[busy]) > 0) busy++;
        WorkerPool pool = WorkerPool.global();
        if (pool.threads() == 1 || busy <= 1) {
            for (int i = 0; i < busy; i++) body.accept(g.bySize[i]);
            return;
        }
        int count = busy;
        AtomicInteger next = new AtomicInteger();
        pool.parallelFor(pool.threads(), (from, to, worker) -> {
            for (int i; (i = next.getAndIncrement()) < count; ) body.accept(g.bySize[i]);
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
