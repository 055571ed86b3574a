package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;

/** One pre-norm transformer block: x = x + attn(norm(x)); x = x + ffn(norm(x)). */
public final class Block {
    public final RmsNorm attentionNorm, ffnNorm;
    /** Grouped-query {@link Attention} or multi-head latent attention ({@link LatentAttention}). */
    public final AttentionLayer attention;
    /** A dense {@link FeedForward} or a {@link MixtureOfExperts}. */
    public final FeedForwardLayer feedForward;

    /** mla null: GQA of attn's sizes, else MLA; moe null: a dense SwiGLU of ffn's sizes, else a mixture of experts. */
    public Block(Parameters params, String name, AttentionSpec attn, MlaSpec mla, FeedForwardSpec ffn, MoeSpec moe,
                 float normEps, RopeTable rope, double std, double residualStd) {
        this.attentionNorm = new RmsNorm(params, name + ".input_layernorm", attn.dim(), normEps);
        this.attention = mla == null ? new Attention(params, name + ".self_attn", attn, normEps, rope, std, residualStd)
                : new LatentAttention(params, name + ".self_attn", mla, normEps, rope, std, residualStd);
        this.ffnNorm = new RmsNorm(params, name + ".post_attention_layernorm", attn.dim(), normEps);
        this.feedForward = moe == null ? new FeedForward(params, name + ".mlp", ffn, std, residualStd)
                : new MixtureOfExperts(params, name + ".mlp", moe, std, residualStd);
    }

    /** dropout p with a per-call seed; both branches' outputs are dropped before the residual add. */
    public Tensor forward(Tape tape, Tensor x, int batch, int seq, float dropout, long seed) {
        x = Ops.add(tape, x, Ops.dropout(tape, attention.forward(tape, attentionNorm.forward(tape, x), batch, seq), dropout, seed));
        return Ops.add(tape, x, Ops.dropout(tape, feedForward.forward(tape, ffnNorm.forward(tape, x), batch, seq, seed + 2), dropout, seed + 1));
    }
}
