package dev.trident.infer;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Prefill and decode speed of a model, measured the way llama.cpp's examples measure it (tools/llama-ref/bench.mjs
 * does the same on llama.cpp): a prompt of pseudo-random tokens, all but the last pre-filled in chunks of up to
 * 512 tokens, then greedy decoding that starts by feeding the last prompt token, one token per step, continuing
 * the same context. Untimed warm-up runs for at least 3 s (the JIT compiles the kernels), then {@code reps} timed runs; figures
 * are medians. Also counts the bytes the calling thread allocates per decoded token (the decode loop should
 * allocate none).
 */
public final class SpeedBenchmark {
    /** Untimed runs go on for at least this long before the timed ones (the lab's decode measurement too). */
    public static final long WARM_UP_NANOS = 3_000_000_000L;

    /** Largest prefill chunk (llama.cpp's default micro-batch). */
    public static final int MAX_CHUNK = 512;

    /**
     * @param promptTokens     tokens pre-filled (the prompt minus its last token)
     * @param generated        tokens decoded per run
     * @param prefillTokS      median prefill tokens per second
     * @param decodeTokS       median decode tokens per second
     * @param allocPerToken    bytes allocated by the calling thread per decoded token (last run)
     */
    public record Result(int promptTokens, int generated, double prefillTokS, double decodeTokS, double allocPerToken) {}

    private SpeedBenchmark() {}

    /** prompt + gen must fit the model's context. */
    public static Result run(ModelWeights weights, int prompt, int gen, int reps, long seed) {
        int ctx = weights.config().maxSeqLen(), vocab = weights.config().vocabSize();
        if (prompt < 2 || gen < 1) throw new IllegalArgumentException("need a prompt of >= 2 tokens and >= 1 to generate");
        if (prompt + gen > ctx) throw new IllegalArgumentException("prompt + gen = " + (prompt + gen) + " exceeds the context of " + ctx);
        int[] tokens = pseudoRandom(prompt, vocab, seed);
        Decoder decoder = new Decoder(weights, Math.min(MAX_CHUNK, prompt - 1));
        KvCache cache = decoder.newCache();
        // Warm-up, untimed, until the JIT has compiled every path a timed run takes: one run of a large model is
        // enough, but a small one decodes a run's tokens in a fraction of a second, still in the interpreter and C1
        // (the demo model: 620 tokens/s after one run of 64 tokens against 2,360 warm).
        long warm = System.nanoTime();
        do once(decoder, cache, tokens, gen); while (System.nanoTime() - warm < WARM_UP_NANOS);
        double[] prefill = new double[reps], decode = new double[reps];
        double alloc = 0;
        for (int r = 0; r < reps; r++) {
            double[] t = once(decoder, cache, tokens, gen);
            prefill[r] = (prompt - 1) / t[0];
            decode[r] = gen / t[1];
            alloc = t[2] / gen;
        }
        return new Result(prompt - 1, gen, median(prefill), median(decode), alloc);
    }

    /**
     * Aggregate decode speed with B sequences decoding together, one token each per pass over the weights (what a
     * continuous-batching server does; llama.cpp's batched-bench reports the same figure). Each sequence gets its own
     * pseudo-random prompt (so a mixture of experts routes them differently, as real requests would be) pre-filled
     * untimed; then gen greedy steps of all B at once, timed. Untimed rounds over the batch sizes for at least 3 s,
     * then reps timed rounds; medians of B * gen / seconds, in the order of batches. prompt + gen must fit the context.
     */
    public static double[] batchedDecode(ModelWeights weights, int prompt, int gen, int[] batches, int reps, long seed) {
        int ctx = weights.config().maxSeqLen(), vocab = weights.config().vocabSize(), most = 1;
        if (prompt < 1 || gen < 1 || prompt + gen > ctx) throw new IllegalArgumentException("prompt " + prompt + " + gen " + gen + " must fit the context of " + ctx);
        for (int b : batches) {
            if (b < 1) throw new IllegalArgumentException("batch sizes must be >= 1, got " + b);
            most = Math.max(most, b);
        }
        Decoder decoder = new Decoder(weights, Math.max(most, Math.min(MAX_CHUNK, prompt)));
        KvCache[] caches = new KvCache[most];
        int[][] prompts = new int[most][];
        for (int i = 0; i < most; i++) {
            caches[i] = decoder.newCache();
            prompts[i] = pseudoRandom(prompt, vocab, seed + 7919L * i);
        }
        // rounds over every batch size, untimed ones first for at least WARM_UP_NANOS (the JIT compiles every path),
        // so warm-up and the machine's drift fall on all sizes alike
        double[][] runs = new double[batches.length][reps];
        long warm = System.nanoTime();
        for (int r = -1; r < reps; r++) {
            for (int bi = 0; bi < batches.length; bi++) {
                int b = batches[bi];
                int[] next = new int[b], ones = new int[b];
                Arrays.fill(ones, 1);
                for (int i = 0; i < b; i++) {
                    prefill(decoder, caches[i], prompts[i]);
                    next[i] = prompts[i][prompt - 1];
                }
                long t0 = System.nanoTime();
                for (int g = 0; g < gen; g++) {
                    float[] logits = decoder.forward(caches, ones, b, next);
                    for (int i = 0; i < b; i++) next[i] = argmax(logits, i * vocab, vocab);
                }
                if (r >= 0) runs[bi][r] = (double) b * gen / ((System.nanoTime() - t0) / 1e9);
            }
            if (r == -1 && System.nanoTime() - warm < WARM_UP_NANOS) r--; // another untimed round
        }
        double[] speed = new double[batches.length];
        for (int bi = 0; bi < batches.length; bi++) speed[bi] = median(runs[bi]);
        return speed;
    }

    /** n tokens of xorshift32 from seed, as bench.mjs makes its prompt. */
    private static int[] pseudoRandom(int n, int vocab, long seed) {
        int[] tokens = new int[n];
        int x = (int) seed;
        if (x == 0) x = 1; // xorshift stays at zero
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            tokens[i] = Integer.remainderUnsigned(x, vocab);
        }
        return tokens;
    }

    /** Empties cache and pre-fills it with all but the last of tokens, in chunks of up to the decoder's batch. */
    private static void prefill(Decoder decoder, KvCache cache, int[] tokens) {
        int chunk = decoder.maxBatch();
        cache.truncate(0);
        for (int i = 0; i < tokens.length - 1; i += chunk) {
            int n = Math.min(chunk, tokens.length - 1 - i);
            decoder.forwardLast(cache, Arrays.copyOfRange(tokens, i, i + n), n);
        }
    }

    /** {prefill seconds, decode seconds, bytes allocated while decoding}. */
    private static double[] once(Decoder decoder, KvCache cache, int[] tokens, int gen) {
        int vocab = decoder.config().vocabSize();
        long t0 = System.nanoTime();
        prefill(decoder, cache, tokens);
        long t1 = System.nanoTime();
        int[] one = {tokens[tokens.length - 1]};
        long a0 = allocated();
        for (int g = 0; g < gen; g++) {
            float[] logits = decoder.forward(cache, one, 1);
            one[0] = argmax(logits, 0, vocab);
        }
        long a1 = allocated();
        long t2 = System.nanoTime();
        return new double[]{(t1 - t0) / 1e9, (t2 - t1) / 1e9, a1 - a0};
    }

    /** Index (from off) of the largest of v[off, off + n). */
    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    /** Bytes allocated so far by this thread (HotSpot's per-thread counter), or 0 where unavailable. */
    private static long allocated() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx && mx.isThreadAllocatedMemorySupported())
            return mx.getCurrentThreadAllocatedBytes();
        return 0;
    }

    private static double median(double[] v) {
        double[] a = v.clone();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
