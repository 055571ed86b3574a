package dev.trident.infer;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Prefill and decode speed of a model, measured the way llama.cpp's examples measure it (tools/llama-ref/bench.mjs
 * does the same on llama.cpp): a prompt of pseudo-random tokens, all but the last pre-filled in chunks of up to
 * 512 tokens, then greedy decoding that starts by feeding the last prompt token, one token per step, continuing
 * the same context. One untimed warm-up run (the JIT compiles the kernels), then {@code reps} timed runs; figures
 * are medians. Also counts the bytes the calling thread allocates per decoded token (the decode loop should
 * allocate none).
 */
public final class SpeedBenchmark {
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
        int[] tokens = new int[prompt];
        int x = (int) (seed == 0 ? 1 : seed);
        for (int i = 0; i < prompt; i++) { // xorshift32, as bench.mjs
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            tokens[i] = Integer.remainderUnsigned(x, vocab);
        }
        Decoder decoder = new Decoder(weights, Math.min(MAX_CHUNK, prompt - 1));
        KvCache cache = decoder.newCache();
        once(decoder, cache, tokens, gen); // warm-up: the JIT compiles every path a timed run takes
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

    /** {prefill seconds, decode seconds, bytes allocated while decoding}. */
    private static double[] once(Decoder decoder, KvCache cache, int[] tokens, int gen) {
        int vocab = decoder.config().vocabSize(), chunk = decoder.maxBatch();
        cache.truncate(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < tokens.length - 1; i += chunk) {
            int n = Math.min(chunk, tokens.length - 1 - i);
            decoder.forwardLast(cache, Arrays.copyOfRange(tokens, i, i + n), n);
        }
        long t1 = System.nanoTime();
        int[] one = {tokens[tokens.length - 1]};
        long a0 = allocated();
        for (int g = 0; g < gen; g++) {
            float[] logits = decoder.forward(cache, one, 1);
            one[0] = argmax(logits, vocab);
        }
        long a1 = allocated();
        long t2 = System.nanoTime();
        return new double[]{(t1 - t0) / 1e9, (t2 - t1) / 1e9, a1 - a0};
    }

    private static int argmax(float[] v, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
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
