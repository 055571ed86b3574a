package dev.trident.nn;

import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;

/** The attention part of a block: grouped-query {@link Attention} or DeepSeek's {@link LatentAttention}. */
public sealed interface AttentionLayer permits Attention, LatentAttention {
    /** x is [batch*seq, dim], causal within each sequence of seq rows. */
    Tensor forward(Tape tape, Tensor x, int batch, int seq);

    /** Bytes an inference cache holds per token for this layer (fp32). */
    long kvBytesPerToken();
}
