package dev.trident.model;

import dev.trident.kernels.RopePairing;
import dev.trident.nn.AttentionSpec;
import dev.trident.nn.FeedForwardSpec;
import dev.trident.nn.MlaSpec;
import dev.trident.nn.MoeSpec;

/**
 * Every size of a Llama-style decoder. The layer specs ({@link AttentionSpec}, {@link FeedForwardSpec}) are derived
 * from it, so nn/ never depends on this record.
 *
 * @param vocabSize      tokens in the vocabulary
 * @param dim            model width d
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention when below heads)
 * @param headDim        width of one head
 * @param hiddenDim      SwiGLU hidden width
 * @param maxSeqLen      longest context
 * @param ropeTheta      RoPE base
 * @param normEps        RMSNorm epsilon
 * @param tiedEmbeddings output head shares the embedding matrix
 * @param moe            DeepSeekMoE sizes, or null for a dense model
 * @param denseLayers    with moe: the first denseLayers blocks keep a dense FFN (DeepSeek's first_k_dense_replace)
 * @param mtpDepth       D multi-token prediction modules after the main blocks (0 = none)
 * @param mla            multi-head latent attention sizes, or null for grouped-query attention; with MLA, kvHeads is
 *                       heads and headDim is the query/key head width qk_nope + qk_rope (see {@link #withMla})
 * @param ropePairing    which coordinates RoPE rotates together: ADJACENT (default; GGUF llama, DeepSeek) or HALVES
 *                       (NEOX, Hugging Face rotate_half, Qwen)
 * @param qkNorm         RMSNorm over each head of q and k before RoPE, one gain vector of headDim for q and one for k
 *                       (Qwen3's q_norm / k_norm); GQA only
 */
public record ModelConfig(int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim,
                          int maxSeqLen, double ropeTheta, float normEps, boolean tiedEmbeddings,
                          MoeSpec moe, int denseLayers, int mtpDepth, MlaSpec mla, RopePairing ropePairing, boolean qkNorm) {

    public ModelConfig {
        if (vocabSize <= 0 || dim <= 0 || layers <= 0 || hiddenDim <= 0 || maxSeqLen <= 0)
            throw new IllegalArgumentException("model sizes must be positive");
        if (moe != null && moe.dim() != dim) throw new IllegalArgumentException("MoE width " + moe.dim() + " != model width " + dim);
        if (denseLayers < 0 || denseLayers > layers) throw new IllegalArgumentException("denseLayers " + denseLayers + " outside [0, " + layers + "]");
        if (mtpDepth < 0 || mtpDepth > 4) throw new IllegalArgumentException("MTP depth " + mtpDepth + " outside [0, 4]");
        if (mla != null && (mla.dim() != dim || mla.heads() != heads || kvHeads != heads || headDim != mla.qkHeadDim()))
            throw new IllegalArgumentException("MLA sizes " + mla + " do not match the model (dim " + dim + ", heads " + heads
                    + ", kvHeads " + kvHeads + ", headDim " + headDim + "); build MLA configs with withMla");
        if (ropePairing == null) throw new IllegalArgumentException("ropePairing must be given");
        if (qkNorm && mla != null) throw new IllegalArgumentException("QK-norm applies to grouped-query attention, not MLA");
    }

    /** Adjacent RoPE pairs, no QK-norm. */
    public ModelConfig(int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim,
                       int maxSeqLen, double ropeTheta, float normEps, boolean tiedEmbeddings,
                       MoeSpec moe, int denseLayers, int mtpDepth, MlaSpec mla) {
        this(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, mla,
                RopePairing.ADJACENT, false);
    }

    /** Grouped-query attention, with or without a mixture of experts and MTP. */
    public ModelConfig(int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim,
                       int maxSeqLen, double ropeTheta, float normEps, boolean tiedEmbeddings,
                       MoeSpec moe, int denseLayers, int mtpDepth) {
        this(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, null);
    }

    /** A dense Llama-style model. */
    public ModelConfig(int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim,
                       int maxSeqLen, double ropeTheta, float normEps, boolean tiedEmbeddings) {
        this(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, null, 0, 0);
    }

    public ModelConfig withMtpDepth(int d) {
        return new ModelConfig(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, d, mla, ropePairing, qkNorm);
    }

    /** Whether block i uses the mixture of experts. */
    public boolean isMoeLayer(int i) {
        return moe != null && i >= denseLayers;
    }

    public int moeLayers() {
        return moe == null ? 0 : layers - denseLayers;
    }

    public ModelConfig withMoe(MoeSpec m, int dense) {
        return new ModelConfig(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, m, dense, mtpDepth, mla, ropePairing, qkNorm);
    }

    public ModelConfig withMaxSeqLen(int n) {
        return new ModelConfig(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, n, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, mla, ropePairing, qkNorm);
    }

    /**
     * The same model with multi-head latent attention of m's sizes: every head gets its own keys and values from
     * the shared latent, so kvHeads becomes heads and headDim the query/key head width (qk_nope + qk_rope).
     */
    public ModelConfig withMla(MlaSpec m) {
        return new ModelConfig(vocabSize, dim, layers, heads, heads, m.qkHeadDim(), hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, m, ropePairing, qkNorm);
    }

    /** The same model with RoPE pairing p. */
    public ModelConfig withRopePairing(RopePairing p) {
        return new ModelConfig(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, mla, p, qkNorm);
    }

    /** The same model with or without QK-norm (per-head RMSNorm of q and k before RoPE). */
    public ModelConfig withQkNorm(boolean on) {
        return new ModelConfig(vocabSize, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, mla, ropePairing, on);
    }

    /** Width RoPE rotates per head: headDim for GQA, qk_rope_head_dim (q_pe, k_pe) for MLA. */
    public int ropeDim() {
        return mla == null ? headDim : mla.qkRopeDim();
    }

    /**
     * Bytes an inference KV cache holds per token, over the main layers, in fp32: K and V of every kv head for GQA,
     * c_kv and k_pe for MLA.
     */
    public long kvCacheBytesPerToken() {
        return layers * (mla == null ? attentionSpec().kvBytesPerTokenPerLayer() : mla.kvBytesPerTokenPerLayer());
    }

    /** Weights of one attention layer (MLA: including its two latent norms; GQA: the QK-norm gains if any). */
    private long attentionParameters() {
        return mla == null ? (long) dim * heads * headDim * 2 + 2L * dim * kvHeads * headDim + attentionNorms() : mla.parameters();
    }

    /** Multiply-adds x 2 per token per layer of scores and weighted values at context ctx (MLA in its training form). */
    private double attentionFlops(int ctx) {
        return mla == null ? 2.0 * 2 * heads * headDim * ctx : 2.0 * heads * (mla.qkHeadDim() + mla.vHeadDim()) * ctx;
    }

    public AttentionSpec attentionSpec() {
        return new AttentionSpec(dim, heads, kvHeads, headDim, ropeTheta, qkNorm);
    }

    public FeedForwardSpec feedForwardSpec() {
        return new FeedForwardSpec(dim, hiddenDim);
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, moe, denseLayers, mtpDepth, mla, ropePairing, qkNorm);
    }

    /** Every parameter (embedding counted once when tied; MoE selection biases included). */
    public long parameterCount() {
        return countParameters(false);
    }

    /** One MTP module: block, projection M_k and three norms. */
    private long mtpModuleParameters(boolean activeOnly) {
        long attn = attentionParameters();
        long ffn = moe == null ? 3L * dim * hiddenDim : (activeOnly ? moe.activeParameters() : moe.totalParameters()) + moe.routedExperts();
        return attn + ffn + 2L * dim * dim + 5L * dim;
    }

    /** Forward FLOPs per token of the D MTP modules (their block, projection and the shared head) at context ctx. */
    public double mtpForwardFlopsPerToken(int ctx) {
        double perModule = 2.0 * (mtpModuleParameters(true) - 5L * dim - attentionNorms() + (long) vocabSize * dim) + attentionFlops(ctx);
        return mtpDepth * perModule;
    }

    /** Parameters used per generated token by the main model (no MTP modules; only the chosen routed experts). */
    public long activeParameterCount() {
        return countParameters(true);
    }

    private long countParameters(boolean activeOnly) {
        long attn = attentionParameters();
        long denseFfn = 3L * dim * hiddenDim;
        long moeFfn = moe == null ? 0 : (activeOnly ? moe.activeParameters() : moe.totalParameters()) + moe.routedExperts();
        long norms = 2L * dim;
        long embed = (long) vocabSize * dim;
        long total = (long) layers * (attn + norms) + (long) (layers - moeLayers()) * denseFfn + (long) moeLayers() * moeFfn + dim;
        if (!activeOnly) total += (long) mtpDepth * mtpModuleParameters(false);
        return total + embed + (tiedEmbeddings ? 0 : embed);
    }

    /**
     * Forward FLOPs per token at context length ctx: 2 per multiply-add of every weight matrix a token passes through
     * (the embedding lookup excluded, the output head included) plus attention scores and weighted values.
     * Training costs about 3x this.
     */
    public double forwardFlopsPerToken(int ctx) {
        long lookup = tiedEmbeddings ? 0 : (long) vocabSize * dim;
        long vectors = (long) layers * (2 * dim + attentionNorms()) + dim + (moe == null ? 0 : (long) moeLayers() * moe.routedExperts());
        double matmul = 2.0 * (activeParameterCount() - lookup - vectors);
        double attention = layers * attentionFlops(ctx);
        return matmul + attention;
    }

    /** Norm gains inside one attention layer (MLA's latent norms, GQA's QK-norm): vectors, not matrices. */
    private long attentionNorms() {
        return mla != null ? mla.normParameters() : qkNorm ? 2L * headDim : 0;
    }

    /** Bytes of fp32 weights read to produce one token: the active matrices (one embedding row when untied). */
    public long weightBytesPerToken() {
        long lookup = tiedEmbeddings ? 0 : (long) vocabSize * dim - dim;
        return 4L * (activeParameterCount() - lookup);
    }
}
