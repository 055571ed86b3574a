package dev.trident.blt;

import dev.trident.autograd.BltOps;
import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.kernels.RopeTable;
import dev.trident.nn.Attention;
import dev.trident.nn.Block;
import dev.trident.nn.CrossAttention;
import dev.trident.nn.Parameters;
import dev.trident.nn.RmsNorm;

/**
 * BLT's local decoder (section 3.3): starts from the encoder's byte states; each of its l_D layers is a
 * cross-attention in which the bytes (queries) read the global outputs of the patches before their target's patch,
 * then a causal byte block; a final norm and the 257-way head predict the next byte. The global outputs are first
 * projected d_G -> k d_L, k patch vectors of d_L each.
 */
public final class LocalDecoder {
    private final BltConfig c;
    public final Tensor patchProjection;
    public final CrossAttention[] cross;
    public final Block[] layers;
    public final RmsNorm norm;
    public final Tensor head;

    LocalDecoder(Parameters params, BltConfig c, RopeTable rope, double std, double residualStd) {
        this.c = c;
        patchProjection = params.matrix("decoder.patch_proj.weight", c.crossK() * c.localDim(), c.globalDim(), std);
        cross = new CrossAttention[c.decoderLayers()];
        layers = new Block[c.decoderLayers()];
        for (int i = 0; i < layers.length; i++) {
            cross[i] = new CrossAttention(params, "decoder.cross_attn." + i, c.localDim(), c.crossHeads(), c.normEps(), std, residualStd);
            layers[i] = new Block(params, "decoder.layers." + i, c.localAttention(), null, c.localFeedForward(), null,
                    c.normEps(), rope, std, residualStd);
            if (c.localWindow() > 0) ((Attention) layers[i].attention).setWindow(c.localWindow());
        }
        norm = new RmsNorm(params, "decoder.norm", c.localDim(), c.normEps());
        head = params.matrix("decoder.lm_head.weight", c.vocabSize(), c.localDim(), std);
    }

    /** bytes [B*T, d_L] (the encoder's states), global [B*P, d_G] -> logits [B*T, 257]. */
    public Tensor forward(Tape tape, Tensor bytes, Tensor global, PatchLayout layout, float dropout, long seed) {
        Tensor memory = BltOps.view(tape, Ops.linear(tape, global, patchProjection),
                layout.batch * layout.patches * c.crossK(), c.localDim());
        Tensor h = bytes;
        for (int i = 0; i < layers.length; i++) {
            h = cross[i].forward(tape, h, memory, layout.decLo, layout.decHi);
            h = layers[i].forward(tape, h, layout.batch, c.seqLen(), dropout, seed + 1000L * (i + 1));
        }
        return Ops.linearExact(tape, norm.forward(tape, h), head);
    }
}
