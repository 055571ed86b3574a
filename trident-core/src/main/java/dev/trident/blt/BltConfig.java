package dev.trident.blt;

import dev.trident.blt.patch.PatcherSpec;
import dev.trident.nn.AttentionSpec;
import dev.trident.nn.FeedForwardSpec;

/**
 * Every size of a Byte Latent Transformer (BLT, Pagnoni et al. 2024): a light local encoder over bytes, a global
 * latent transformer over patches, and a local decoder back to bytes.
 *
 * @param seqLen             T: token positions per window (the boundary token, then T - 1 bytes; T bytes predicted)
 * @param localDim           d_L: width of the local encoder and decoder
 * @param localHeads         query heads of the local self-attention (head width d_L / heads)
 * @param localKvHeads       key/value heads of the local self-attention
 * @param localHidden        SwiGLU width of the local blocks
 * @param localWindow        sliding attention window of the local blocks, in bytes (0 = the whole window T)
 * @param encoderLayers      l_E: local encoder blocks, each followed by a cross-attention into the patches
 * @param decoderLayers      l_D: local decoder blocks, each preceded by a cross-attention from the patches
 * @param globalDim          d_G: width of the global transformer; d_G = k * d_L (k patch vectors per patch)
 * @param globalLayers       l_G: global transformer blocks
 * @param globalHeads        query heads of the global transformer
 * @param globalKvHeads      key/value heads of the global transformer
 * @param globalHidden       SwiGLU width of the global blocks
 * @param crossHeads         heads of every cross-attention (head width d_L / crossHeads)
 * @param decoderCrossWindow patches a byte's decoder cross-attention reads: its own patch's predecessor and the
 *                           window - 1 before it (1 = BLT's strict mapping)
 * @param hash               hashed n-gram embeddings of the encoder
 * @param ropeTheta          RoPE base of the local and global self-attention
 * @param normEps            RMSNorm epsilon
 * @param patcher            where patches start
 */
public record BltConfig(int seqLen, int localDim, int localHeads, int localKvHeads, int localHidden, int localWindow,
                        int encoderLayers, int decoderLayers, int globalDim, int globalLayers, int globalHeads,
                        int globalKvHeads, int globalHidden, int crossHeads, int decoderCrossWindow, HashSpec hash,
                        double ropeTheta, float normEps, PatcherSpec patcher) {

    public BltConfig {
        if (seqLen < 2 || localDim < 1 || globalDim < 1 || encoderLayers < 1 || decoderLayers < 1 || globalLayers < 1)
            throw new IllegalArgumentException("BLT sizes must be positive (T >= 2)");
        if (globalDim % localDim != 0)
            throw new IllegalArgumentException("d_G (" + globalDim + ") must be a multiple k of d_L (" + localDim + ")");
        if (localDim % localHeads != 0 || globalDim % globalHeads != 0 || localDim % crossHeads != 0)
            throw new IllegalArgumentException("widths must divide into their heads");
        if (localWindow < 0 || decoderCrossWindow < 1) throw new IllegalArgumentException("windows must be positive");
    }

    /** k: patch vectors per patch in the cross-attentions, d_G / d_L. */
    public int crossK() {
        return globalDim / localDim;
    }

    public int vocabSize() {
        return ByteVocab.SIZE;
    }

    public AttentionSpec localAttention() {
        return new AttentionSpec(localDim, localHeads, localKvHeads, localDim / localHeads, ropeTheta);
    }

    public FeedForwardSpec localFeedForward() {
        return new FeedForwardSpec(localDim, localHidden);
    }

    public AttentionSpec globalAttention() {
        return new AttentionSpec(globalDim, globalHeads, globalKvHeads, globalDim / globalHeads, ropeTheta);
    }

    public FeedForwardSpec globalFeedForward() {
        return new FeedForwardSpec(globalDim, globalHidden);
    }

    /** The local attention window in effect: the whole training window when none is set. */
    public int effectiveLocalWindow() {
        return localWindow == 0 ? seqLen : Math.min(localWindow, seqLen);
    }

    public BltConfig withPatcher(PatcherSpec p) {
        return new BltConfig(seqLen, localDim, localHeads, localKvHeads, localHidden, localWindow, encoderLayers,
                decoderLayers, globalDim, globalLayers, globalHeads, globalKvHeads, globalHidden, crossHeads,
                decoderCrossWindow, hash, ropeTheta, normEps, p);
    }

    public BltConfig withSeqLen(int t) {
        return new BltConfig(t, localDim, localHeads, localKvHeads, localHidden, localWindow, encoderLayers,
                decoderLayers, globalDim, globalLayers, globalHeads, globalKvHeads, globalHidden, crossHeads,
                decoderCrossWindow, hash, ropeTheta, normEps, patcher);
    }

    public BltConfig withDecoderLayers(int layers) {
        return new BltConfig(seqLen, localDim, localHeads, localKvHeads, localHidden, localWindow, encoderLayers,
                layers, globalDim, globalLayers, globalHeads, globalKvHeads, globalHidden, crossHeads,
                decoderCrossWindow, hash, ropeTheta, normEps, patcher);
    }
}
