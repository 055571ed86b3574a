package dev.trident.autograd;

import dev.trident.kernels.CrossEntropy;
import dev.trident.kernels.FlashAttention;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.RopeTable;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.quant.Fp8Tiles;

import java.util.SplittableRandom;

/**
 * The differentiable ops of the model, coarse and fused: each runs its forward kernel and records its backward
 * step on the tape. Backward steps add into the inputs' gradients (a tensor used twice sums both paths).
 * Tensors whose requiresGrad is false get no gradient.
 */
public final class Ops {
    private Ops() {}

    /** out[i] = table[ids[i]]: token embedding lookup, [N] -> [N, d]. */
    public static Tensor embedding(Tape tape, Tensor table, int[] ids) {
        int d = table.cols(), vocab = table.rows();
        Tensor out = tape.tensor(ids.length, d);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + vocab);
            System.arraycopy(table.data, id * d, out.data, i * d, d);
        }
        if (table.requiresGrad) tape.record(() -> {
            if (out.grad == null) return;
            float[] g = tape.grad(table);
            for (int i = 0; i < ids.length; i++) {
                int row = ids[i] * d;
                for (int j = 0; j < d; j++) g[row + j] += out.grad[i * d + j];
            }
        });
        return out;
    }

    /**
     * y = x W^T: x is [N, in], W is [out, in] (the PyTorch / GGUF layout), y is [N, out]. In the tape's FP8 mode all
     * three GEMMs take E4M3 inputs (see {@link Fp8Tiles}): forward x in 1x128 tiles and W in 128x128 blocks; dgrad
     * dY in 1x128 tiles and W in blocks; wgrad dY and x in 128x1 tiles along the tokens; accumulation in fp32.
     */
    public static Tensor linear(Tape tape, Tensor x, Tensor w) {
        return tape.fp8() ? linearFp8(tape, x, w) : linearExact(tape, x, w);
    }

    /** y = x W^T in fp32 whatever the tape's precision (output head, router). */
    public static Tensor linearExact(Tape tape, Tensor x, Tensor w) {
        int n = x.rows(), in = x.cols(), outDim = w.rows();
        if (w.cols() != in) throw new IllegalArgumentException("linear: x " + x + " vs W " + w);
        Tensor y = tape.tensor(n, outDim);
        Gemm.sgemm(false, true, n, outDim, in, x.data, 0, in, w.data, 0, in, 0f, y.data, 0, outDim);
        tape.record(() -> {
            if (y.grad == null) return;
            // dX = dY W ; dW = dY^T X
            if (x.requiresGrad) Gemm.sgemm(false, false, n, in, outDim, y.grad, 0, outDim, w.data, 0, in, 1f, tape.grad(x), 0, in);
            if (w.requiresGrad) Gemm.sgemm(true, false, outDim, in, n, y.grad, 0, outDim, x.data, 0, in, 1f, tape.grad(w), 0, in);
        });
        return y;
    }

    private static Tensor linearFp8(Tape tape, Tensor x, Tensor w) {
        int n = x.rows(), in = x.cols(), outDim = w.rows();
        if (w.cols() != in) throw new IllegalArgumentException("linear: x " + x + " vs W " + w);
        byte[] scratch = new byte[Fp8Tiles.TILE];
        // The rounded operands live only while their GEMM runs (scratch, not kept for backward): backward rounds W
        // again (unchanged until the optimizer step) and takes x in its own 128x1 tiles.
        float[] xq = tape.scratch(Tape.Scratch.FP8_X, n * in), wq = tape.scratch(Tape.Scratch.FP8_W, outDim * in);
        Fp8Tiles.rowTiles(x.data, n, in, xq, scratch);
        Fp8Tiles.blocks(w.data, outDim, in, wq, scratch);
        tape.countLinearInput(n, in);
        Tensor y = tape.tensor(n, outDim);
        Gemm.sgemm(false, true, n, outDim, in, xq, 0, in, wq, 0, in, 0f, y.data, 0, outDim);
        tape.record(() -> {
            if (y.grad == null) return;
            if (x.requiresGrad) {
                float[] gq = tape.scratch(Tape.Scratch.FP8_DY, n * outDim), wb = tape.scratch(Tape.Scratch.FP8_W, outDim * in);
                Fp8Tiles.rowTiles(y.grad, n, outDim, gq, scratch);
                Fp8Tiles.blocks(w.data, outDim, in, wb, scratch);
                Gemm.sgemm(false, false, n, in, outDim, gq, 0, outDim, wb, 0, in, 1f, tape.grad(x), 0, in);
            }
            if (w.requiresGrad) {
                float[] gt = tape.scratch(Tape.Scratch.FP8_DY_T, n * outDim), xt = tape.scratch(Tape.Scratch.FP8_X_T, n * in);
                Fp8Tiles.columnTiles(y.grad, n, outDim, gt);
                Fp8Tiles.columnTiles(x.data, n, in, xt);
                Gemm.sgemm(true, false, outDim, in, n, gt, 0, outDim, xt, 0, in, 1f, tape.grad(w), 0, in);
            }
        });
        return y;
    }

    /** RMSNorm over the last dimension: y = x / sqrt(mean(x^2) + eps) * w. */
    public static Tensor rmsNorm(Tape tape, Tensor x, Tensor w, float eps) {
        if (w.size() != x.cols()) throw new IllegalArgumentException("rmsNorm: x " + x + " with gains of " + w.size());
        return rmsNorm(tape, x, w, eps, x.rows(), x.cols());
    }

    /**
     * RMSNorm of every head on its own: x [N, heads * d] with gains w [d] shared by the heads, each d-wide slice
     * normalized by its own RMS (QK-norm). The same kernel as {@link #rmsNorm} over N * heads rows of d.
     */
    public static Tensor headRmsNorm(Tape tape, Tensor x, Tensor w, float eps) {
        int d = w.size();
        if (d == 0 || x.cols() % d != 0) throw new IllegalArgumentException("headRmsNorm: x " + x + " is not heads of " + d);
        return rmsNorm(tape, x, w, eps, x.size() / d, d);
    }

    private static Tensor rmsNorm(Tape tape, Tensor x, Tensor w, float eps, int rows, int d) {
        Tensor y = tape.tensor(x.shape());
        float[] invRms = tape.buffer(rows);
        RmsNormKernel.forward(x.data, w.data, y.data, invRms, rows, d, eps);
        tape.record(() -> {
            if (y.grad == null) return;
            float[] dx = tape.buffer(rows * d);
            float[] dw = w.requiresGrad ? tape.grad(w) : tape.zeros(d);
            RmsNormKernel.backward(x.data, w.data, invRms, y.grad, dx, dw, rows, d);
            if (x.requiresGrad) addInto(tape.grad(x), dx, rows * d);
        });
        return y;
    }

    /**
     * Rotary position embedding of x [B*T, heads*headDim]: row r is at position r % seqLen. Returns a rotated copy;
     * the backward pass rotates the gradient back (rotations are orthogonal).
     */
    public static Tensor rope(Tape tape, Tensor x, int heads, int headDim, int seqLen, RopeTable table) {
        int rows = x.rows();
        Tensor y = tape.tensor(x.shape());
        System.arraycopy(x.data, 0, y.data, 0, x.size());
        RopeKernel.apply(y.data, rows, heads, headDim, 0, seqLen, table, false);
        tape.record(() -> {
            if (y.grad == null || !x.requiresGrad) return;
            float[] g = tape.buffer(x.size());
            System.arraycopy(y.grad, 0, g, 0, x.size());
            RopeKernel.apply(g, rows, heads, headDim, 0, seqLen, table, true);
            addInto(tape.grad(x), g, x.size());
        });
        return y;
    }

    /**
     * Causal grouped-query attention: q [B*T, H*D], k and v [B*T, Hkv*D] -> [B*T, H*D], scores scaled by `scale`.
     */
    public static Tensor attention(Tape tape, Tensor q, Tensor k, Tensor v, int batch, int seq,
                                   int heads, int kvHeads, int headDim, float scale) {
        Tensor out = tape.tensor(q.shape());
        float[] lse = tape.buffer(batch * heads * seq);
        FlashAttention.forward(q.data, k.data, v.data, out.data, lse, batch, seq, heads, kvHeads, headDim, scale);
        tape.record(() -> {
            if (out.grad == null) return;
            float[] dq = tape.scratch(Tape.Scratch.ATTN_DQ, q.size()), dk = tape.scratch(Tape.Scratch.ATTN_DK, k.size()),
                    dv = tape.scratch(Tape.Scratch.ATTN_DV, v.size());
            FlashAttention.backward(q.data, k.data, v.data, out.data, lse, out.grad, dq, dk, dv,
                    batch, seq, heads, kvHeads, headDim, scale);
            if (q.requiresGrad) addInto(tape.grad(q), dq, q.size());
            if (k.requiresGrad) addInto(tape.grad(k), dk, k.size());
            if (v.requiresGrad) addInto(tape.grad(v), dv, v.size());
        });
        return out;
    }

    /** SwiGLU: silu(gate) * up, elementwise. */
    public static Tensor swiglu(Tape tape, Tensor gate, Tensor up) {
        int n = gate.size();
        Tensor out = tape.tensor(gate.shape());
        SwiGluKernel.forward(gate.data, up.data, out.data, n);
        tape.record(() -> {
            if (out.grad == null) return;
            float[] dg = tape.buffer(n), du = tape.buffer(n);
            SwiGluKernel.backward(gate.data, up.data, out.grad, dg, du, n);
            if (gate.requiresGrad) addInto(tape.grad(gate), dg, n);
            if (up.requiresGrad) addInto(tape.grad(up), du, n);
        });
        return out;
    }

    /** a + b, same shapes (the residual connection). */
    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        int n = a.size();
        if (b.size() != n) throw new IllegalArgumentException("add: " + a + " + " + b);
        Tensor out = tape.tensor(a.shape());
        for (int i = 0; i < n; i++) out.data[i] = a.data[i] + b.data[i];
        tape.record(() -> {
            if (out.grad == null) return;
            if (a.requiresGrad) addInto(tape.grad(a), out.grad, n);
            if (b.requiresGrad) addInto(tape.grad(b), out.grad, n);
        });
        return out;
    }

    /**
     * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). The mask is drawn
     * from `seed`, so a step is reproducible. p = 0 returns x itself.
     */
    public static Tensor dropout(Tape tape, Tensor x, float p, long seed) {
        if (p <= 0 || !tape.recording()) return x;
        int n = x.size();
        Tensor out = tape.tensor(x.shape());
        float[] mask = tape.buffer(n);
        SplittableRandom rng = new SplittableRandom(seed);
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextDouble() < p ? 0f : keep;
            out.data[i] = x.data[i] * mask[i];
        }
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            float[] g = tape.grad(x);
            for (int i = 0; i < n; i++) g[i] += out.grad[i] * mask[i];
        });
        return out;
    }

    /**
     * Mean cross-entropy of logits [N, V] against targets (negative targets are ignored), as a scalar tensor. The
     * softmax gradient is computed in the forward pass and scaled by the upstream gradient in backward.
     */
    public static Tensor crossEntropy(Tape tape, Tensor logits, int[] targets) {
        int rows = logits.rows(), vocab = logits.cols();
        if (targets.length != rows) throw new IllegalArgumentException("crossEntropy: " + targets.length + " targets for " + rows + " rows");
        float[] dLogits = logits.requiresGrad && tape.recording() ? tape.buffer(rows * vocab) : null;
        double loss = CrossEntropy.forwardBackward(logits.data, targets, rows, vocab, dLogits);
        Tensor out = tape.tensor(1);
        out.data[0] = (float) loss;
        if (dLogits != null) tape.record(() -> {
            if (out.grad == null) return;
            float g = out.grad[0];
            float[] dst = tape.grad(logits);
            for (int i = 0; i < rows * vocab; i++) dst[i] += g * dLogits[i];
        });
        return out;
    }

    /** weight * x for a scalar x: used to mix auxiliary losses into the main loss. */
    public static Tensor scale(Tape tape, Tensor x, float weight) {
        int n = x.size();
        Tensor out = tape.tensor(x.shape());
        for (int i = 0; i < n; i++) out.data[i] = x.data[i] * weight;
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            float[] g = tape.grad(x);
            for (int i = 0; i < n; i++) g[i] += out.grad[i] * weight;
        });
        return out;
    }

    /** [a ; b] along the last dimension: a [N, p] and b [N, q] -> [N, p + q]. */
    public static Tensor concat(Tape tape, Tensor a, Tensor b) {
        int n = a.rows(), p = a.cols(), q = b.cols();
        if (b.rows() != n) throw new IllegalArgumentException("concat: " + a + " ; " + b);
        Tensor out = tape.tensor(n, p + q);
        for (int i = 0; i < n; i++) {
            System.arraycopy(a.data, i * p, out.data, i * (p + q), p);
            System.arraycopy(b.data, i * q, out.data, i * (p + q) + p, q);
        }
        tape.record(() -> {
            if (out.grad == null) return;
            if (a.requiresGrad) {
                float[] g = tape.grad(a);
                for (int i = 0; i < n; i++) for (int j = 0; j < p; j++) g[i * p + j] += out.grad[i * (p + q) + j];
            }
            if (b.requiresGrad) {
                float[] g = tape.grad(b);
                for (int i = 0; i < n; i++) for (int j = 0; j < q; j++) g[i * q + j] += out.grad[i * (p + q) + p + j];
            }
        });
        return out;
    }

    /**
     * Columns [offset, offset + width) of every head: x [N, heads*headDim] -> [N, heads*width] (MLA splits q into
     * q_nope and q_pe, the kv_b output into k_nope and v, and kv_a's output into c_kv and k_pe this way).
     */
    public static Tensor sliceHeads(Tape tape, Tensor x, int heads, int headDim, int offset, int width) {
        int n = x.rows();
        if (x.cols() != heads * headDim || offset < 0 || width < 1 || offset + width > headDim)
            throw new IllegalArgumentException("sliceHeads: " + x + " as " + heads + " heads of " + headDim + ", [" + offset + ", +" + width + ")");
        Tensor out = tape.tensor(n, heads * width);
        for (int i = 0; i < n * heads; i++) System.arraycopy(x.data, i * headDim + offset, out.data, i * width, width);
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            float[] g = tape.grad(x);
            for (int i = 0; i < n * heads; i++)
                for (int j = 0; j < width; j++) g[i * headDim + offset + j] += out.grad[i * width + j];
        });
        return out;
    }

    /**
     * Per-head [a_h ; b_h]: a [N, heads*p] -> [N, heads*(p + q)]. b is [N, heads*q], or with sharedB a single head
     * [N, q] that every head reads (MLA's k_pe), whose gradient then sums over the heads.
     */
    public static Tensor concatHeads(Tape tape, Tensor a, Tensor b, int heads, boolean sharedB) {
        int n = a.rows(), p = a.cols() / heads, q = sharedB ? b.cols() : b.cols() / heads;
        if (a.cols() != heads * p || b.rows() != n || (!sharedB && b.cols() != heads * q))
            throw new IllegalArgumentException("concatHeads: " + a + " ; " + b + " over " + heads + " heads");
        int w = p + q;
        Tensor out = tape.tensor(n, heads * w);
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++) {
                System.arraycopy(a.data, (i * heads + h) * p, out.data, (i * heads + h) * w, p);
                System.arraycopy(b.data, sharedB ? i * q : (i * heads + h) * q, out.data, (i * heads + h) * w + p, q);
            }
        tape.record(() -> {
            if (out.grad == null) return;
            float[] ga = a.requiresGrad ? tape.grad(a) : null, gb = b.requiresGrad ? tape.grad(b) : null;
            for (int i = 0; i < n; i++)
                for (int h = 0; h < heads; h++) {
                    int o = (i * heads + h) * w, bo = sharedB ? i * q : (i * heads + h) * q;
                    if (ga != null) for (int j = 0; j < p; j++) ga[(i * heads + h) * p + j] += out.grad[o + j];
                    if (gb != null) for (int j = 0; j < q; j++) gb[bo + j] += out.grad[o + p + j];
                }
        });
        return out;
    }

    /**
     * Zero-pads every head to a wider head: x [N, heads*width] -> [N, heads*padded]. Lets MLA's values (v_head_dim)
     * share the attention kernel with the wider queries and keys (qk_nope + qk_rope).
     */
    public static Tensor padHeads(Tape tape, Tensor x, int heads, int width, int padded) {
        int n = x.rows();
        if (x.cols() != heads * width || padded < width) throw new IllegalArgumentException("padHeads: " + x + " to " + heads + " x " + padded);
        if (padded == width) return x;
        Tensor out = tape.tensor(n, heads * padded);
        java.util.Arrays.fill(out.data, 0, out.size(), 0f);
        for (int i = 0; i < n * heads; i++) System.arraycopy(x.data, i * width, out.data, i * padded, width);
        tape.record(() -> {
            if (out.grad == null || !x.requiresGrad) return;
            float[] g = tape.grad(x);
            for (int i = 0; i < n * heads; i++)
                for (int j = 0; j < width; j++) g[i * width + j] += out.grad[i * padded + j];
        });
        return out;
    }

    static void addInto(float[] dst, float[] src, int n) {
        for (int i = 0; i < n; i++) dst[i] += src[i];
    }
}
