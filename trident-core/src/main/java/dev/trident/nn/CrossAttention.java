package dev.trident.nn;

import dev.trident.autograd.BltOps;
import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/**
 * Cross-attention with its residual, as in the Byte Latent Transformer: x + Wo attn(norm_q(x) Wq, norm_kv(m) Wk,
 * norm_kv(m) Wv), where query row i sees only the memory rows [lo[i], hi[i]). In the local encoder the queries are
 * patch vectors and the memory the bytes of their patch; in the local decoder the queries are bytes and the memory
 * the patch vectors the global transformer produced before their patch. No positions (no RoPE), as in BLT.
 */
public final class CrossAttention {
    public final int dim, heads, headDim;
    public final RmsNorm queryNorm, memoryNorm;
    public final Tensor wq, wk, wv, wo;

    public CrossAttention(Parameters params, String name, int dim, int heads, float normEps, double std, double residualStd) {
        if (dim % heads != 0) throw new IllegalArgumentException("cross-attention width " + dim + " is not a multiple of " + heads + " heads");
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.queryNorm = new RmsNorm(params, name + ".query_norm", dim, normEps);
        this.memoryNorm = new RmsNorm(params, name + ".memory_norm", dim, normEps);
        this.wq = params.matrix(name + ".q_proj.weight", dim, dim, std);
        this.wk = params.matrix(name + ".k_proj.weight", dim, dim, std);
        this.wv = params.matrix(name + ".v_proj.weight", dim, dim, std);
        this.wo = params.matrix(name + ".o_proj.weight", dim, dim, residualStd);
    }

    /** x [Nq, dim] queries, memory [Nm, dim]; returns x + attention output, [Nq, dim]. */
    public Tensor forward(Tape tape, Tensor x, Tensor memory, int[] lo, int[] hi) {
        Tensor m = memoryNorm.forward(tape, memory);
        Tensor q = Ops.linear(tape, queryNorm.forward(tape, x), wq);
        Tensor y = BltOps.rangeAttention(tape, q, Ops.linear(tape, m, wk), Ops.linear(tape, m, wv), lo, hi,
                heads, heads, headDim, (float) (1 / Math.sqrt(headDim)));
        return Ops.add(tape, x, Ops.linear(tape, y, wo));
    }

    /** Weights: four dim x dim projections and two norm gains. */
    public long parameters() {
        return 4L * dim * dim + 2L * dim;
    }
}
