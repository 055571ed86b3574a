package dev.trident.bench;

import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.ModelConfig;
import dev.trident.model.Presets;
import dev.trident.model.Transformer;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode speed at a long context, MLA against GQA of the same width, heads and layers, in one run: both models
 * (random weights) pre-fill the same CONTEXT random tokens, then take turns decoding STEPS tokens from that context
 * (the cache is truncated back after each turn, so every timed token sees CONTEXT..CONTEXT+STEPS positions). Prints
 * the KV-cache bytes per token of MLA, GQA and full multi-head attention, and the median tokens/s of each.
 *
 * <pre>java --add-modules=jdk.incubator.vector -cp trident-bench/target/benchmarks.jar \
 *     dev.trident.bench.MlaDecodeBenchmark [GQA_PRESET MLA_PRESET [CONTEXT [STEPS [ROUNDS]]]]</pre>
 * (defaults: small small-mla 2048 32 7; trident-bench/scripts/mla_decode.sh builds and runs it).
 */
public final class MlaDecodeBenchmark {
    private MlaDecodeBenchmark() {}

    public static void main(String[] args) {
        String gqaName = args.length > 0 ? args[0] : "small", mlaName = args.length > 1 ? args[1] : "small-mla";
        int context = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 7;
        ModelConfig gqa = Presets.get(gqaName).model().withMaxSeqLen(context + steps);
        ModelConfig mla = Presets.get(mlaName).model().withMaxSeqLen(context + steps);
        if (mla.mla() == null) throw new IllegalArgumentException(mlaName + " is not an MLA preset");
        // Full multi-head attention of the same width and heads: K and V of every head, the GQA preset's head width.
        long mha = 2L * gqa.layers() * gqa.heads() * gqa.headDim() * Float.BYTES;
        System.out.printf(Locale.ROOT, "threads=%d context=%d steps=%d rounds=%d%n", WorkerPool.global().threads(), context, steps, rounds);
        System.out.printf(Locale.ROOT, "kv_cache_bytes_per_token mha=%d gqa(%s)=%d mla(%s)=%d  mha/mla=%.2fx gqa/mla=%.2fx%n",
                mha, gqaName, gqa.kvCacheBytesPerToken(), mlaName, mla.kvCacheBytesPerToken(),
                (double) mha / mla.kvCacheBytesPerToken(), (double) gqa.kvCacheBytesPerToken() / mla.kvCacheBytesPerToken());
        System.out.printf(Locale.ROOT, "kv_cache_bytes at %d tokens: gqa=%.1f MiB mla=%.1f MiB; weights %.1f MiB vs %.1f MiB%n", context,
                gqa.kvCacheBytesPerToken() * (double) context / (1 << 20), mla.kvCacheBytesPerToken() * (double) context / (1 << 20),
                gqa.weightBytesPerToken() / (double) (1 << 20), mla.weightBytesPerToken() / (double) (1 << 20));

        int[] prompt = new SplittableRandom(7).ints(context, 0, Math.min(gqa.vocabSize(), mla.vocabSize())).toArray();
        Runner a = new Runner(gqaName, new Transformer(gqa, 1), prompt), b = new Runner(mlaName, new Transformer(mla, 1), prompt);
        a.decode(steps); // warm-up turn each
        b.decode(steps);
        double[] ta = new double[rounds], tb = new double[rounds];
        for (int r = 0; r < rounds; r++) { // alternate, so both see the same machine load
            ta[r] = a.decode(steps);
            tb[r] = b.decode(steps);
        }
        double ma = median(ta), mb = median(tb);
        System.out.printf(Locale.ROOT, "decode_tok_s@%d %s=%.1f %s=%.1f speedup=%.2fx%n", context, gqaName, ma, mlaName, mb, mb / ma);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** One model with its cache pre-filled to the context. */
    private static final class Runner {
        final String name;
        final Decoder decoder;
        final KvCache cache;
        final int context, vocab;
        int next;

        Runner(String name, Transformer model, int[] prompt) {
            this.name = name;
            this.decoder = new Decoder(model, 64);
            this.cache = decoder.newCache();
            this.context = prompt.length;
            this.vocab = model.config.vocabSize();
            long t0 = System.nanoTime();
            for (int pos = 0; pos < prompt.length; pos += 64) {
                int n = Math.min(64, prompt.length - pos);
                decoder.forward(cache, Arrays.copyOfRange(prompt, pos, pos + n), n);
            }
            System.out.printf(Locale.ROOT, "prefill %s: %d tokens in %.1f s%n", name, prompt.length, (System.nanoTime() - t0) / 1e9);
        }

        /** Greedy-decodes steps tokens after the context; tokens per second. */
        double decode(int steps) {
            cache.truncate(context);
            int token = next;
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                float[] logits = decoder.forward(cache, new int[]{token}, 1);
                int best = 0;
                for (int j = 1; j < vocab; j++) if (logits[j] > logits[best]) best = j;
                token = best;
            }
            return steps / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
