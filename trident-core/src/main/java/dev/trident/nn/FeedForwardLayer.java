package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/** The position-wise part of a block: a dense SwiGLU or a mixture of experts. */
public sealed interface FeedForwardLayer permits FeedForward, MixtureOfExperts {
    /** x is [tokens, dim]; tokens come as batch sequences of seq (the MoE balance loss is per sequence). */
    Tensor forward(Tape tape, Tensor x, int batch, int seq);

    /** The same with a seed for any randomness the layer uses while training (the MoE's expert dropout). */
    default Tensor forward(Tape tape, Tensor x, int batch, int seq, long seed) {
        return forward(tape, x, batch, seq);
    }
}
