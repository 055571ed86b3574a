package dev.trident.eval;

/** Validation quality: mean nats per token over `tokens` tokens covering `bytes` bytes, and bits per byte. */
public record EvalResult(double natsPerToken, double bitsPerByte, long tokens, long bytes) {}
