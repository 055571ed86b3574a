package dev.trident.blt;

import dev.trident.kernels.DecodeAttention;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.RmsNormKernel;
import dev.trident.kernels.RopeKernel;
import dev.trident.kernels.RopeTable;
import dev.trident.kernels.SwiGluKernel;
import dev.trident.nn.Attention;
import dev.trident.nn.Block;
import dev.trident.nn.FeedForward;

/**
 * One {@link Block} (grouped-query attention + SwiGLU) run one row at a time over its own key/value cache: the
 * inference twin of Block.forward for the BLT's local and global models. With a window w, a row attends to the w
 * rows ending at itself, as the training forward's sliding window does.
 */
final class IncrementalBlock {
    private final Block block;
    private final Attention attn;
    private final FeedForward ffn;
    private final RopeTable rope;
    private final int dim, heads, kvHeads, headDim, qDim, kvDim, window;
    private final float[] keys, values, xn, q, k, v, att, proj, gate, up, hid, invRms = new float[1];
    private int length;

    IncrementalBlock(Block block, RopeTable rope, int capacity, int window) {
        this.block = block;
        this.attn = (Attention) block.attention;
        this.ffn = (FeedForward) block.feedForward;
        this.rope = rope;
        var s = attn.spec;
        this.dim = s.dim();
        this.heads = s.heads();
        this.kvHeads = s.kvHeads();
        this.headDim = s.headDim();
        this.qDim = heads * headDim;
        this.kvDim = kvHeads * headDim;
        this.window = window;
        keys = new float[capacity * kvDim];
        values = new float[capacity * kvDim];
        xn = new float[dim];
        q = new float[qDim];
        k = new float[kvDim];
        v = new float[kvDim];
        att = new float[qDim];
        proj = new float[dim];
        int h = ffn.spec.hiddenDim();
        gate = new float[h];
        up = new float[h];
        hid = new float[h];
    }

    int length() { return length; }

    /** x (dim floats) = block(x) for the next position; appends its keys and values to the cache. */
    void step(float[] x) {
        int pos = length;
        if (pos * kvDim >= keys.length) throw new IllegalStateException("context full: " + pos + " positions");
        RmsNormKernel.forward(x, block.attentionNorm.weight.data, xn, invRms, 1, dim, block.attentionNorm.eps);
        Gemm.gemv(qDim, dim, attn.wq.data, 0, xn, 0, q, 0);
        Gemm.gemv(kvDim, dim, attn.wk.data, 0, xn, 0, k, 0);
        Gemm.gemv(kvDim, dim, attn.wv.data, 0, xn, 0, v, 0);
        RopeKernel.apply(q, 1, heads, headDim, pos, Integer.MAX_VALUE, rope, false);
        RopeKernel.apply(k, 1, kvHeads, headDim, pos, Integer.MAX_VALUE, rope, false);
        System.arraycopy(k, 0, keys, pos * kvDim, kvDim);
        System.arraycopy(v, 0, values, pos * kvDim, kvDim);
        int first = window > 0 ? Math.max(0, pos + 1 - window) : 0;
        DecodeAttention.attend(q, 0, keys, values, first * kvDim, kvDim, pos + 1 - first, heads, kvHeads, headDim,
                (float) (1 / Math.sqrt(headDim)), att, 0);
        Gemm.gemv(dim, qDim, attn.wo.data, 0, att, 0, proj, 0);
        for (int j = 0; j < dim; j++) x[j] += proj[j];
        RmsNormKernel.forward(x, block.ffnNorm.weight.data, xn, invRms, 1, dim, block.ffnNorm.eps);
        int h = ffn.spec.hiddenDim();
        Gemm.gemv(h, dim, ffn.gate.data, 0, xn, 0, gate, 0);
        Gemm.gemv(h, dim, ffn.up.data, 0, xn, 0, up, 0);
        SwiGluKernel.forward(gate, up, hid, h);
        Gemm.gemv(dim, h, ffn.down.data, 0, hid, 0, proj, 0);
        for (int j = 0; j < dim; j++) x[j] += proj[j];
        length = pos + 1;
    }
}
