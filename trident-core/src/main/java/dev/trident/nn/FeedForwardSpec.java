package dev.trident.nn;

/** Sizes of a SwiGLU feed-forward layer: dim -> hiddenDim (gate and up) -> dim (down). */
public record FeedForwardSpec(int dim, int hiddenDim) {}
