package dev.trident.nn;

import dev.trident.autograd.BltOps;
import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;

/**
 * Causal self-attention with grouped-query heads and rotary positions (Llama):
 * q = x Wq, k = x Wk, v = x Wv; q, k rotated by position; out = softmax(q k^T / sqrt(d_h)) v, then Wo.
 */
public final class Attention implements AttentionLayer {
    public final AttentionSpec spec;
    public final Tensor wq, wk, wv, wo;
    private final RopeTable rope;
    /** Sliding window: a token sees itself and the window - 1 tokens before it (0 = the whole causal prefix). */
    private int window;

    public Attention(Parameters params, String name, AttentionSpec spec, RopeTable rope, double std, double residualStd) {
        this.spec = spec;
        this.rope = rope;
        int qDim = spec.heads() * spec.headDim(), kvDim = spec.kvHeads() * spec.headDim();
        this.wq = params.matrix(name + ".q_proj.weight", qDim, spec.dim(), std);
        this.wk = params.matrix(name + ".k_proj.weight", kvDim, spec.dim(), std);
        this.wv = params.matrix(name + ".v_proj.weight", kvDim, spec.dim(), std);
        this.wo = params.matrix(name + ".o_proj.weight", spec.dim(), qDim, residualStd);
    }

    /** Restricts attention to a sliding window of w tokens (the BLT's local byte models); 0 turns it off. */
    public void setWindow(int w) {
        if (w < 0) throw new IllegalArgumentException("negative attention window " + w);
        this.window = w;
    }

    public int window() { return window; }

    /** x is [batch*seq, dim]. */
    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq) {
        int h = spec.heads(), hkv = spec.kvHeads(), d = spec.headDim();
        Tensor q = Ops.rope(tape, Ops.linear(tape, x, wq), h, d, seq, rope);
        Tensor k = Ops.rope(tape, Ops.linear(tape, x, wk), hkv, d, seq, rope);
        Tensor v = Ops.linear(tape, x, wv);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor y;
        if (window > 0 && window < seq) {
            int[][] r = BltOps.slidingWindow(batch, seq, window);
            y = BltOps.rangeAttention(tape, q, k, v, r[0], r[1], h, hkv, d, scale);
        } else {
            y = Ops.attention(tape, q, k, v, batch, seq, h, hkv, d, scale);
        }
        return Ops.linear(tape, y, wo);
    }

    @Override
    public long kvBytesPerToken() {
        return spec.kvBytesPerTokenPerLayer();
    }
}
