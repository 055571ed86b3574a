package dev.trident.bench;

import dev.trident.kernels.DecodeAttention;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode attention over KV caches that are cold, as in a real decode step: between two visits to a layer's cache
 * the decoder streams every weight matrix of the model through the caches, so the KV rows come from DRAM (or L3
 * for a small model). Cycles over CACHES caches of LEN positions (each a sequence, or a layer), writing EVICT_MB of
 * other memory between rounds; prints the median microseconds per call (one query token) over 7 rounds.
 * <pre>java --add-modules=jdk.incubator.vector -Dtrident.threads=1 -cp trident-bench/target/classes:trident-core/target/classes \
 *     dev.trident.bench.DecodeAttentionCold HEADS KV_HEADS HEAD_DIM LEN CACHES [EVICT_MB]</pre>
 * e.g. the demo model's shape, 8 sequences x 6 layers at 64 positions: {@code 8 4 32 64 48 64}; Llama-3.2-1B's at
 * 512: {@code 32 8 64 512 16 64}. EVICT_MB 0 leaves the caches warm.
 */
public final class DecodeAttentionCold {
    private DecodeAttentionCold() {}

    public static void main(String[] args) {
        int heads = Integer.parseInt(args[0]), kvHeads = Integer.parseInt(args[1]), headDim = Integer.parseInt(args[2]);
        int len = Integer.parseInt(args[3]), caches = Integer.parseInt(args[4]);
        int evictMb = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        int kvDim = kvHeads * headDim, qDim = heads * headDim;
        SplittableRandom rnd = new SplittableRandom(1);
        float[][] k = new float[caches][len * kvDim], v = new float[caches][len * kvDim];
        for (int c = 0; c < caches; c++)
            for (int i = 0; i < len * kvDim; i++) {
                k[c][i] = (float) rnd.nextDouble(-1, 1);
                v[c][i] = (float) rnd.nextDouble(-1, 1);
            }
        float[] q = new float[qDim], out = new float[qDim], evict = new float[(evictMb << 20) / 4];
        for (int i = 0; i < qDim; i++) q[i] = (float) rnd.nextDouble(-1, 1);
        float scale = (float) (1 / Math.sqrt(headDim));
        int rounds = Math.max(3, 4000 / caches);
        double[] medians = new double[7];
        for (int rep = -2; rep < medians.length; rep++) { // two warm-up repetitions
            double[] perRound = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < evict.length; i += 16) evict[i] += 1f; // one write per cache line
                long t0 = System.nanoTime();
                for (int c = 0; c < caches; c++)
                    DecodeAttention.attend(q, 0, k[c], v[c], 0, kvDim, len, heads, kvHeads, headDim, scale, out, 0);
                perRound[r] = (System.nanoTime() - t0) / 1e3 / caches;
            }
            Arrays.sort(perRound);
            if (rep >= 0) medians[rep] = perRound[rounds / 2];
        }
        Arrays.sort(medians);
        System.out.printf(Locale.ROOT, "decode attention heads=%d kv_heads=%d head_dim=%d len=%d caches=%d evict=%d MB: %.2f us/call (median; runs %.2f-%.2f)%n",
                heads, kvHeads, headDim, len, caches, evictMb, medians[3], medians[0], medians[6]);
    }
}
