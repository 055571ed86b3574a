package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;

/**
 * Causal self-attention with grouped-query heads and rotary positions (Llama):
 * q = x Wq, k = x Wk, v = x Wv; q, k rotated by position; out = softmax(q k^T / sqrt(d_h)) v, then Wo.
 * With QK-norm (Qwen3), each head of q and of k is RMS-normalized (gains q_norm, k_norm) before the rotation.
 */
public final class Attention implements AttentionLayer {
    public final AttentionSpec spec;
    public final Tensor wq, wk, wv, wo;
    /** Per-head norms of q and k (gains of headDim), or null without QK-norm. */
    public final RmsNorm qNorm, kNorm;
    private final RopeTable rope;

    /** normEps: epsilon of the QK-norms (used only with spec.qkNorm()). */
    public Attention(Parameters params, String name, AttentionSpec spec, float normEps, RopeTable rope, double std, double residualStd) {
        this.spec = spec;
        this.rope = rope;
        int qDim = spec.heads() * spec.headDim(), kvDim = spec.kvHeads() * spec.headDim();
        this.wq = params.matrix(name + ".q_proj.weight", qDim, spec.dim(), std);
        this.wk = params.matrix(name + ".k_proj.weight", kvDim, spec.dim(), std);
        this.wv = params.matrix(name + ".v_proj.weight", kvDim, spec.dim(), std);
        this.wo = params.matrix(name + ".o_proj.weight", spec.dim(), qDim, residualStd);
        this.qNorm = spec.qkNorm() ? new RmsNorm(params, name + ".q_norm", spec.headDim(), normEps) : null;
        this.kNorm = spec.qkNorm() ? new RmsNorm(params, name + ".k_norm", spec.headDim(), normEps) : null;
    }


    /** x is [batch*seq, dim]. */
    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq) {
        int h = spec.heads(), hkv = spec.kvHeads(), d = spec.headDim();
        Tensor q = Ops.linear(tape, x, wq), k = Ops.linear(tape, x, wk);
        if (qNorm != null) {
            q = qNorm.forwardPerHead(tape, q);
            k = kNorm.forwardPerHead(tape, k);
        }
        q = Ops.rope(tape, q, h, d, seq, rope);
        k = Ops.rope(tape, k, hkv, d, seq, rope);
        Tensor v = Ops.linear(tape, x, wv);
        Tensor y = Ops.attention(tape, q, k, v, batch, seq, h, hkv, d, (float) (1 / Math.sqrt(d)));
        return Ops.linear(tape, y, wo);
    }

    @Override
    public long kvBytesPerToken() {
        return spec.kvBytesPerTokenPerLayer();
    }
}
