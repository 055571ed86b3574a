package dev.trident.engine;

/**
 * A snapshot of the scheduler: requests generating and waiting, its limits, and totals since start (requests
 * accepted and cancelled, tokens generated, forward passes run, rows those passes carried).
 */
public record EngineStats(int running, int queued, int maxSequences, int maxQueued, long kvCacheBytesPerSequence,
                          long requests, long cancelled, long generatedTokens, long forwards, long rows) {
}
