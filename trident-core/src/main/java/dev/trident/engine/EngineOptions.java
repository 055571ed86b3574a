package dev.trident.engine;

/**
 * Limits of the {@link Engine}'s scheduler.
 *
 * @param batchRows     token rows per forward pass, shared by decoding sequences (one row each) and prompt chunks.
 *                      Up to 8 rows the decoder computes each row with the same arithmetic whatever shares the pass
 *                      (its batched GEMV), so a request's tokens do not depend on the load; more rows switch to a
 *                      GEMM whose sums are ordered differently (outputs may then differ in the last bits).
 * @param maxSequences  requests generating at once (each holds a KV cache)
 * @param maxQueued     requests waiting for a place; past that, submissions are refused (HTTP 429)
 * @param kvCacheBytes  bound on the memory of all KV caches; lowers maxSequences if needed
 * @param speculative   greedy requests decode self-speculatively with the model's first MTP module: each pass
 *                      carries, for such a request, its pending token and the module's draft of the next one, and
 *                      keeps the draft when the main model agrees (the output is exactly plain greedy decoding).
 *                      Pays on dense models whose weights are read from memory; on a small MoE the two tokens'
 *                      different experts make verifying cost nearly two steps (docs/serving.md)
 */
public record EngineOptions(int batchRows, int maxSequences, int maxQueued, long kvCacheBytes, boolean speculative) {
    public EngineOptions(int batchRows, int maxSequences, int maxQueued, long kvCacheBytes) {
        this(batchRows, maxSequences, maxQueued, kvCacheBytes, false);
    }

    public EngineOptions {
        if (batchRows < 1 || batchRows > 256) throw new IllegalArgumentException("batchRows must be in 1..256, got " + batchRows);
        if (maxSequences < 1) throw new IllegalArgumentException("maxSequences must be at least 1, got " + maxSequences);
        if (maxQueued < 0) throw new IllegalArgumentException("maxQueued must be >= 0, got " + maxQueued);
        if (kvCacheBytes < 1) throw new IllegalArgumentException("kvCacheBytes must be positive, got " + kvCacheBytes);
    }

    /** 8 rows per pass, 32 sequences, 64 waiting, 2 GiB of KV cache. */
    public static EngineOptions defaults() {
        return new EngineOptions(8, 32, 64, 2L << 30);
    }

    public EngineOptions withBatchRows(int n) { return new EngineOptions(n, maxSequences, maxQueued, kvCacheBytes, speculative); }

    public EngineOptions withMaxSequences(int n) { return new EngineOptions(batchRows, n, maxQueued, kvCacheBytes, speculative); }

    public EngineOptions withMaxQueued(int n) { return new EngineOptions(batchRows, maxSequences, n, kvCacheBytes, speculative); }

    public EngineOptions withKvCacheBytes(long n) { return new EngineOptions(batchRows, maxSequences, maxQueued, n, speculative); }

    public EngineOptions withSpeculative(boolean on) { return new EngineOptions(batchRows, maxSequences, maxQueued, kvCacheBytes, on); }
}
