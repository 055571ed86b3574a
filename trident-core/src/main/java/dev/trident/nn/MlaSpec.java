package dev.trident.nn;

/**
 * Sizes of a DeepSeek-V2/V3 multi-head latent attention layer (config.json keys in brackets).
 *
 * @param dim        model width d
 * @param heads      attention heads n_h
 * @param qLoraRank  width of the query latent c_q [q_lora_rank]; 0 = queries straight from x (DeepSeek-V2-Lite)
 * @param kvLoraRank width of the shared key/value latent c_kv [kv_lora_rank], the part of the cache that replaces K, V
 * @param qkNopeDim  per-head query/key width without position [qk_nope_head_dim]
 * @param qkRopeDim  per-head width of the rotated parts q_pe and the single shared k_pe [qk_rope_head_dim]
 * @param vHeadDim   per-head value width [v_head_dim]
 */
public record MlaSpec(int dim, int heads, int qLoraRank, int kvLoraRank, int qkNopeDim, int qkRopeDim, int vHeadDim) {
    public MlaSpec {
        if (dim <= 0 || heads <= 0 || kvLoraRank <= 0 || qkNopeDim <= 0 || vHeadDim <= 0 || qLoraRank < 0)
            throw new IllegalArgumentException("MLA sizes must be positive (q_lora_rank may be 0)");
        if (qkRopeDim <= 0 || qkRopeDim % 2 != 0) throw new IllegalArgumentException("qk_rope_head_dim must be even and positive, got " + qkRopeDim);
    }

    /** Width of one query / key head: nope + rope; scores are scaled by 1/sqrt of it. */
    public int qkHeadDim() {
        return qkNopeDim + qkRopeDim;
    }

    /** Width of one cached row: [c_kv ; k_pe]. */
    public int latentWidth() {
        return kvLoraRank + qkRopeDim;
    }

    /** Bytes cached per token per layer in fp32: c_kv and k_pe, shared by every head. */
    public long kvBytesPerTokenPerLayer() {
        return (long) latentWidth() * Float.BYTES;
    }

    /** Weights of the layer: matrices plus the two latent norms. */
    public long parameters() {
        long q = qLoraRank == 0 ? (long) dim * heads * qkHeadDim()
                : (long) dim * qLoraRank + qLoraRank + (long) qLoraRank * heads * qkHeadDim();
        long kv = (long) dim * latentWidth() + kvLoraRank + (long) kvLoraRank * heads * (qkNopeDim + vHeadDim);
        return q + kv + (long) heads * vHeadDim * dim;
    }

    /** The norm gains among {@link #parameters()} (vectors, no multiply-adds). */
    public long normParameters() {
        return (qLoraRank == 0 ? 0 : qLoraRank) + kvLoraRank;
    }
}
