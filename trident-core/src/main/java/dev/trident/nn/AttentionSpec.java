package dev.trident.nn;

/**
 * Sizes of a grouped-query attention layer: `heads` query heads share `kvHeads` key/value heads of headDim each
 * (kvHeads = heads is plain multi-head attention); RoPE with base ropeTheta; with qkNorm, every head of q and of k
 * goes through an RMSNorm of width headDim before RoPE (Qwen3's q_norm and k_norm).
 */
public record AttentionSpec(int dim, int heads, int kvHeads, int headDim, double ropeTheta, boolean qkNorm) {
    public AttentionSpec {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("headDim must be even for RoPE, got " + headDim);
    }

    /** Without QK-norm. */
    public AttentionSpec(int dim, int heads, int kvHeads, int headDim, double ropeTheta) {
        this(dim, heads, kvHeads, headDim, ropeTheta, false);
    }

    /** Bytes of K and V cached per token per layer in fp32. */
    public long kvBytesPerTokenPerLayer() {
        return 2L * kvHeads * headDim * Float.BYTES;
    }
}
