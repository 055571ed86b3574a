package dev.trident.train;

/** A validation measurement: mean nats per token and bits per byte on the held-out bytes. */
public record EvalPoint(int step, double valLoss, double valBpb) {}
