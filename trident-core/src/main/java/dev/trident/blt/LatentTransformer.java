package dev.trident.blt;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Block;
import dev.trident.nn.Parameters;

/**
 * BLT's global latent transformer (section 3.1): l_G ordinary causal blocks over the patch vectors, patch p at RoPE
 * position p, each window's patches seeing only earlier patches of the same window. No embedding and no output
 * head: its outputs go to the local decoder. This is where most of the parameters live, and it runs once per
 * patch instead of once per token, which is what saves FLOPs when patches are long.
 */
public final class LatentTransformer {
    public final Block[] layers;

    LatentTransformer(Parameters params, BltConfig c, RopeTable rope, double std, double residualStd) {
        layers = new Block[c.globalLayers()];
        for (int i = 0; i < layers.length; i++)
            layers[i] = new Block(params, "global.layers." + i, c.globalAttention(), null, c.globalFeedForward(), null,
                    c.normEps(), rope, std, residualStd);
    }

    /** x [batch * patches, d_G] -> same shape. */
    public Tensor forward(Tape tape, Tensor x, int batch, int patches, float dropout, long seed) {
        for (int i = 0; i < layers.length; i++) x = layers[i].forward(tape, x, batch, patches, dropout, seed + 1000L * (i + 1));
        return x;
    }
}
