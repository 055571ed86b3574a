package dev.trident.spark.diloco;

import java.io.Serializable;

/** What a worker sends back after its H inner steps: Delta = theta_before - theta_after, and its mean training loss. */
record WorkerUpdate(int worker, float[] delta, double meanLoss) implements Serializable {}
