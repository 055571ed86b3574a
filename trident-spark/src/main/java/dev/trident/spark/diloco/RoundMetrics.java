package dev.trident.spark.diloco;

/**
 * One finished DiLoCo round: its number (1-based) of rounds, the workers' mean inner training loss (nats/token),
 * the validation bits per byte on the preset's evalTokens (NaN in rounds without validation), tokens trained so far
 * by all workers, seconds since the run started, and the bytes the round moved: the parameters broadcast to each
 * worker and the changes sent back (their serialized size, summed over workers).
 */
public record RoundMetrics(int round, int rounds, double innerLoss, double valBpb, long tokens, double seconds,
                           long broadcastBytesPerWorker, long resultBytes) {}
