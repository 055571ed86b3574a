package dev.trident.nn;

/**
 * Sizes of a grouped-query attention layer: `heads` query heads share `kvHeads` key/value heads of headDim each
 * (kvHeads = heads is plain multi-head attention); RoPE with base ropeTheta.
 */
public record AttentionSpec(int dim, int heads, int kvHeads, int headDim, double ropeTheta) {
    public AttentionSpec {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("headDim must be even for RoPE, got " + headDim);
    }

    /** Bytes of K and V cached per token per layer in fp32. */
    public long kvBytesPerTokenPerLayer() {
        return 2L * kvHeads * headDim * Float.BYTES;
    }
}
