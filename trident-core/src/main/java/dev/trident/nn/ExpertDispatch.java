package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.SwiGluKernel;

/**
 * Runs the routed experts of a batch as one grouped op: the (token, slot) pairs are sorted by expert, each expert's
 * tokens are gathered into one contiguous block and multiplied by its weights in one GEMM (forward and backward),
 * never one matrix-vector product per token. y[t] = sum_k g[t, k] * FFN_{e(t, k)}(x[t]).
 */
final class ExpertDispatch {
    private ExpertDispatch() {}

    static Tensor apply(Tape tape, Tensor x, Router.Routing routing, FeedForward[] experts) {
        int n = x.rows(), d = x.cols(), k = routing.gates().cols(), numExperts = experts.length;
        int h = experts[0].spec.hiddenDim(), rows = n * k;
        int[] chosen = routing.experts();
        Tensor gates = routing.gates();

        // Counting sort of the (token, slot) pairs by expert: order[r] is the pair at row r of the gathered blocks.
        int[] start = new int[numExperts + 1];
        for (int e : chosen) start[e + 1]++;
        for (int e = 0; e < numExperts; e++) start[e + 1] += start[e];
        int[] order = new int[rows], fill = start.clone();
        for (int p = 0; p < rows; p++) order[fill[chosen[p]]++] = p;

        float[] xg = tape.buffer(rows * d), a = tape.buffer(rows * h), b = tape.buffer(rows * h),
                hid = tape.buffer(rows * h), y = tape.buffer(rows * d);
        for (int r = 0; r < rows; r++) System.arraycopy(x.data, (order[r] / k) * d, xg, r * d, d);
        for (int e = 0; e < numExperts; e++) {
            int m = start[e + 1] - start[e], off = start[e];
            if (m == 0) continue;
            FeedForward f = experts[e];
            Gemm.sgemm(false, true, m, h, d, xg, off * d, d, f.gate.data, 0, d, 0f, a, off * h, h);
            Gemm.sgemm(false, true, m, h, d, xg, off * d, d, f.up.data, 0, d, 0f, b, off * h, h);
        }
        SwiGluKernel.forward(a, b, hid, rows * h);
        for (int e = 0; e < numExperts; e++) {
            int m = start[e + 1] - start[e], off = start[e];
            if (m == 0) continue;
            Gemm.sgemm(false, true, m, d, h, hid, off * h, h, experts[e].down.data, 0, h, 0f, y, off * d, d);
        }
        Tensor out = tape.tensor(n, d);
        java.util.Arrays.fill(out.data, 0, n * d, 0f);
        for (int r = 0; r < rows; r++) {
            int p = order[r], t = p / k;
            float g = gates.data[p];
            for (int j = 0; j < d; j++) out.data[t * d + j] += g * y[r * d + j];
        }

        tape.record(() -> {
            if (out.grad == null) return;
            float[] dy = tape.buffer(rows * d), dHid = tape.buffer(rows * h), da = tape.buffer(rows * h),
                    db = tape.buffer(rows * h), dxg = tape.buffer(rows * d);
            float[] dGates = gates.requiresGrad ? tape.grad(gates) : null;
            for (int r = 0; r < rows; r++) {
                int p = order[r], t = p / k;
                float g = gates.data[p], dot = 0;
                for (int j = 0; j < d; j++) {
                    float go = out.grad[t * d + j];
                    dy[r * d + j] = g * go;
                    dot += go * y[r * d + j];
                }
                if (dGates != null) dGates[p] += dot;
            }
            for (int e = 0; e < numExperts; e++) {
                int m = start[e + 1] - start[e], off = start[e];
                if (m == 0) continue;
                FeedForward f = experts[e];
                // dW_down += dY^T H ; dH = dY W_down
                Gemm.sgemm(true, false, d, h, m, dy, off * d, d, hid, off * h, h, 1f, tape.grad(f.down), 0, h);
                Gemm.sgemm(false, false, m, h, d, dy, off * d, d, f.down.data, 0, h, 0f, dHid, off * h, h);
            }
            SwiGluKernel.backward(a, b, dHid, da, db, rows * h);
            for (int e = 0; e < numExperts; e++) {
                int m = start[e + 1] - start[e], off = start[e];
                if (m == 0) continue;
                FeedForward f = experts[e];
                Gemm.sgemm(true, false, h, d, m, da, off * h, h, xg, off * d, d, 1f, tape.grad(f.gate), 0, d);
                Gemm.sgemm(true, false, h, d, m, db, off * h, h, xg, off * d, d, 1f, tape.grad(f.up), 0, d);
                Gemm.sgemm(false, false, m, d, h, da, off * h, h, f.gate.data, 0, d, 0f, dxg, off * d, d);
                Gemm.sgemm(false, false, m, d, h, db, off * h, h, f.up.data, 0, d, 1f, dxg, off * d, d);
            }
            if (x.requiresGrad) {
                float[] dx = tape.grad(x);
                for (int r = 0; r < rows; r++) {
                    int t = order[r] / k;
                    for (int j = 0; j < d; j++) dx[t * d + j] += dxg[r * d + j];
                }
            }
        });
        return out;
    }
}
