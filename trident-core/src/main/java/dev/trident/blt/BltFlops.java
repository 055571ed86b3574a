package dev.trident.blt;

/**
 * Forward FLOPs per byte of a Byte Latent Transformer, by part, counted as the BLT paper and
 * {@link dev.trident.model.ModelConfig#forwardFlopsPerToken} count them: 2 per multiply-add of every weight matrix
 * an input passes through, plus attention scores and weighted values (2 x 2 x width x context); lookups, norms and
 * pooling are free. Work done per patch (the global transformer, the projections of patch vectors) is divided by
 * the mean patch size. The entropy model is kept apart, as the paper keeps it, and can be added.
 *
 * @param encoder the local encoder with its cross-attentions into the patches
 * @param global  the latent transformer
 * @param decoder the local decoder with its cross-attentions and the output head
 * @param entropy the entropy model's forward per byte (0 for space or static patching)
 */
public record BltFlops(double encoder, double global, double decoder, double entropy) {

    /** FLOPs of the BLT itself. */
    public double model() {
        return encoder + global + decoder;
    }

    /** FLOPs including the entropy model. */
    public double withEntropy() {
        return model() + entropy;
    }

    /**
     * Per byte for windows of T positions cut into patches of patchSize bytes on average: a byte sees (T + 1) / 2
     * positions of local context (at most the window), a patch (P + 1) / 2 patches, P = T / patchSize.
     */
    public static BltFlops perByte(BltConfig c, double patchSize, double entropyPerByte) {
        int t = c.seqLen();
        double localCtx = Math.min((t + 1) / 2.0, c.effectiveLocalWindow());
        double patchesPerWindow = t / patchSize;
        double globalCtx = (patchesPerWindow + 1) / 2.0;
        int dl = c.localDim(), dg = c.globalDim(), k = c.crossK();
        double block = localBlock(c, localCtx);
        double crossPerByte = 4.0 * dl * dl;          // memory (keys, values) per byte, or queries and output per byte
        double crossPerPatch = 4.0 * k * dl * dl;     // the other two projections, on k vectors per patch
        // Encoder: blocks; pooled patch -> k vectors; per layer, bytes give keys and values, patches queries and out,
        // and each of a patch's k queries attends to its patchSize bytes (2 x 2 x d_L per key).
        double encoder = c.encoderLayers() * (block + crossPerByte + 4.0 * k * dl)
                + (2.0 * dl * k * dl + c.encoderLayers() * crossPerPatch) / patchSize;
        // Global: one block pass per patch.
        var ga = c.globalAttention();
        double gParams = 2.0 * dg * ga.heads() * ga.headDim() + 2.0 * dg * ga.kvHeads() * ga.headDim() + 3.0 * dg * c.globalHidden();
        double global = c.globalLayers() * (2 * gParams + 4.0 * ga.heads() * ga.headDim() * globalCtx) / patchSize;
        // Decoder: patch projection d_G -> k d_L per patch; per layer, queries and output per byte, keys and values
        // on the k vectors of each patch, each byte attending to window * k vectors; blocks; the head.
        double memory = Math.min(c.decoderCrossWindow(), Math.max(1, globalCtx)) * k;
        double decoder = (2.0 * dg * k * dl + c.decoderLayers() * crossPerPatch) / patchSize
                + c.decoderLayers() * (block + crossPerByte + 4.0 * dl * memory)
                + 2.0 * dl * c.vocabSize();
        return new BltFlops(encoder, global, decoder, entropyPerByte);
    }

    /** One local block on one byte: its matrices and attention over ctx positions. */
    private static double localBlock(BltConfig c, double ctx) {
        var a = c.localAttention();
        int dl = c.localDim();
        double params = 2.0 * dl * a.heads() * a.headDim() + 2.0 * dl * a.kvHeads() * a.headDim() + 3.0 * dl * c.localHidden();
        return 2 * params + 4.0 * a.heads() * a.headDim() * ctx;
    }
}
