package dev.trident.engine;

/**
 * A snapshot of the scheduler: requests generating and waiting, its limits, and totals since start (requests
 * accepted and cancelled, tokens generated, forward passes run, rows those passes carried, and the CPU seconds the
 * scheduler thread spent running them: with one kernel thread that is all the compute, so tokens per CPU second
 * measure what batching saves even on a machine busy with other work), and the speculative drafts proposed and
 * accepted (zero unless {@link EngineOptions#speculative}).
 */
public record EngineStats(int running, int queued, int maxSequences, int maxQueued, long kvCacheBytesPerSequence,
                          long requests, long cancelled, long generatedTokens, long forwards, long rows, double schedulerCpuSeconds,
                          long draftsProposed, long draftsAccepted) {
}
