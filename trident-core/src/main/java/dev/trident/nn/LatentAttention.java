package dev.trident.nn;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;

/**
 * DeepSeek-V2/V3 multi-head latent attention (MLA), the training form (keys and values materialized per head).
 *
 * <pre>
 *   c_q  = RMSNorm(W_DQ x)                     q_a_proj, q_a_layernorm      (or q = W_Q x when q_lora_rank = 0)
 *   [q_nope_h ; q_pe_h] = (W_UQ c_q)_h          q_b_proj, per head nope + rope wide; q_pe_h rotated
 *   [c_kv' ; k_pe] = W_DKV x                    kv_a_proj_with_mqa (d -> kv_lora_rank + qk_rope)
 *   c_kv = RMSNorm(c_kv')                       kv_a_layernorm; k_pe rotated, one head shared by all heads
 *   [k_nope_h ; v_h] = (W_UKV c_kv)_h           kv_b_proj: W_UK and W_UV stacked per head
 *   o_h = softmax([q_nope_h ; q_pe_h] . [k_nope_h ; k_pe] / sqrt(nope + rope)) v_h
 *   out = W_O [o_1 ; ... ; o_nh]                o_proj
 * </pre>
 *
 * Only c_kv and k_pe depend on the past, so an inference cache holds just those (kv_lora_rank + qk_rope floats per
 * token); the decoder folds W_UK into the query and W_UV into the output (weight absorption). RoPE rotates adjacent
 * pairs, as everywhere in Trident (the GGUF convention).
 */
public final class LatentAttention implements AttentionLayer {
    public final MlaSpec spec;
    /** W_DQ [q_lora_rank, d] and W_UQ [heads*(nope+rope), q_lora_rank]; or, without a query latent, wqA null and wqB = W_Q [heads*(nope+rope), d]. */
    public final Tensor wqA, wqB;
    /** Gains of the query latent norm (null without a query latent) and of the c_kv norm. */
    public final RmsNorm qNorm, kvNorm;
    /** W_DKV stacked with W_KR: [kv_lora_rank + qk_rope, d]. */
    public final Tensor wkvA;
    /** W_UK and W_UV per head: [heads*(nope + v), kv_lora_rank]; head h's rows h*(nope+v) .. are W_UK_h then W_UV_h. */
    public final Tensor wkvB;
    /** W_O [d, heads*v]. */
    public final Tensor wo;
    private final RopeTable rope;

    /** rope: a RoPE table for qk_rope_head_dim (q_pe and k_pe are the rotated parts). */
    public LatentAttention(Parameters params, String name, MlaSpec spec, float normEps, RopeTable rope, double std, double residualStd) {
        if (rope.pairs() * 2 != spec.qkRopeDim())
            throw new IllegalArgumentException("RoPE table of " + 2 * rope.pairs() + " dims for qk_rope_head_dim " + spec.qkRopeDim());
        this.spec = spec;
        this.rope = rope;
        int d = spec.dim(), h = spec.heads();
        if (spec.qLoraRank() > 0) {
            this.wqA = params.matrix(name + ".q_a_proj.weight", spec.qLoraRank(), d, std);
            this.qNorm = new RmsNorm(params, name + ".q_a_layernorm", spec.qLoraRank(), normEps);
            this.wqB = params.matrix(name + ".q_b_proj.weight", h * spec.qkHeadDim(), spec.qLoraRank(), std);
        } else {
            this.wqA = null;
            this.qNorm = null;
            this.wqB = params.matrix(name + ".q_proj.weight", h * spec.qkHeadDim(), d, std);
        }
        this.wkvA = params.matrix(name + ".kv_a_proj_with_mqa.weight", spec.latentWidth(), d, std);
        this.kvNorm = new RmsNorm(params, name + ".kv_a_layernorm", spec.kvLoraRank(), normEps);
        this.wkvB = params.matrix(name + ".kv_b_proj.weight", h * (spec.qkNopeDim() + spec.vHeadDim()), spec.kvLoraRank(), std);
        this.wo = params.matrix(name + ".o_proj.weight", d, h * spec.vHeadDim(), residualStd);
    }

    /** The queries [N, heads*(nope+rope)] before RoPE: W_UQ RMSNorm(W_DQ x), or W_Q x. */
    public Tensor queries(Tape tape, Tensor x) {
        return wqA == null ? Ops.linear(tape, x, wqB) : Ops.linear(tape, qNorm.forward(tape, Ops.linear(tape, x, wqA)), wqB);
    }

    @Override
    public Tensor forward(Tape tape, Tensor x, int batch, int seq) {
        int h = spec.heads(), nope = spec.qkNopeDim(), r = spec.qkRopeDim(), dv = spec.vHeadDim(), qk = spec.qkHeadDim();
        Tensor q = queries(tape, x);
        Tensor qNope = Ops.sliceHeads(tape, q, h, qk, 0, nope);
        Tensor qPe = Ops.rope(tape, Ops.sliceHeads(tape, q, h, qk, nope, r), h, r, seq, rope);

        Tensor kvA = Ops.linear(tape, x, wkvA);
        Tensor cKv = kvNorm.forward(tape, Ops.sliceHeads(tape, kvA, 1, spec.latentWidth(), 0, spec.kvLoraRank()));
        Tensor kPe = Ops.rope(tape, Ops.sliceHeads(tape, kvA, 1, spec.latentWidth(), spec.kvLoraRank(), r), 1, r, seq, rope);
        Tensor kv = Ops.linear(tape, cKv, wkvB);
        Tensor kNope = Ops.sliceHeads(tape, kv, h, nope + dv, 0, nope);
        Tensor v = Ops.sliceHeads(tape, kv, h, nope + dv, nope, dv);

        // The attention kernel takes one head width for q, k and v: pad the narrower side with zeros (zero query and
        // key columns add nothing to the scores, zero value columns give zero outputs that are dropped).
        int width = Math.max(qk, dv);
        Tensor qh = Ops.padHeads(tape, Ops.concatHeads(tape, qNope, qPe, h, false), h, qk, width);
        Tensor kh = Ops.padHeads(tape, Ops.concatHeads(tape, kNope, kPe, h, true), h, qk, width);
        Tensor vh = Ops.padHeads(tape, v, h, dv, width);
        Tensor o = Ops.attention(tape, qh, kh, vh, batch, seq, h, h, width, softmaxScale());
        return Ops.linear(tape, width == dv ? o : Ops.sliceHeads(tape, o, h, width, 0, dv), wo);
    }

    /** 1 / sqrt(nope + rope), times YaRN's mscale^2 when the RoPE table is YaRN-scaled (DeepSeek-V3). */
    public float softmaxScale() {
        return (float) (rope.softmaxFactor() / Math.sqrt(spec.qkHeadDim()));
    }

    @Override
    public long kvBytesPerToken() {
        return spec.kvBytesPerTokenPerLayer();
    }
}
