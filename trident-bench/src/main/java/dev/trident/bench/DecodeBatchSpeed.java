package dev.trident.bench;

import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.infer.ModelWeights;
import dev.trident.infer.QuantPolicy;
import dev.trident.kernels.WorkerPool;
import dev.trident.infer.LoadedModel;
import dev.trident.model.Presets;
import dev.trident.model.Transformer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Decode throughput of the continuous-batching pass by rows per pass: R sequences each decoding one token per pass
 * (the scheduler's decode step, {@link Decoder#forward(KvCache[], int[], int, int[])}), tokens per CPU second of the
 * calling thread (with -Dtrident.threads=1 it does all the compute, so other load on the machine matters less).
 * -Dtrident.weights=FORMAT converts the weights first (default: the model's own; a GGUF file stays mapped). Row counts are interleaved, best of REPS, PASSES passes each; prints tokens / CPU s and tokens / wall-clock s (what
 * counts with more than one kernel thread), each with its ratio to one row.
 * MODEL may also be a preset name (random weights). -Dtrident.context=N fills every cache to N positions first (and
 * rolls back to N instead of 0 when one fills up), so attention over long contexts is part of each pass.
 * <pre>java --add-modules=jdk.incubator.vector -Dtrident.threads=1 \
 *     -cp trident-bench/target/classes:trident-core/target/classes dev.trident.bench.DecodeBatchSpeed MODEL [ROWS,..] [PASSES] [REPS]</pre>
 */
public final class DecodeBatchSpeed {
    private DecodeBatchSpeed() {}

    public static void main(String[] args) {
        // a GGUF file stays in its own formats, mapped; -Dtrident.weights converts to another
        int context = Integer.getInteger("trident.context", 0);
        int[] rows = Arrays.stream((args.length > 1 ? args[1] : "1,2,4,8,16").split(",")).mapToInt(Integer::parseInt).toArray();
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 40, reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int max = Arrays.stream(rows).max().orElseThrow();
        String format = System.getProperty("trident.weights");
        ModelWeights own = Presets.names().contains(args[0])
                ? ModelWeights.of(new Transformer(Presets.get(args[0]).model().withMaxSeqLen(context + passes + 1), 1))
                : LoadedModel.open(Path.of(args[0])).weights();
        ModelWeights weights = format == null ? own : own.requantized(QuantPolicy.of(QuantPolicy.parseFormat(format)));
        Decoder decoder = new Decoder(weights, Math.max(max, Math.min(context, 256)));
        KvCache[] caches = new KvCache[max];
        int vocab = weights.config().vocabSize(), ctx = weights.config().maxSeqLen();
        if (context >= ctx) throw new IllegalArgumentException("context " + context + " leaves no room in " + ctx + " positions");
        for (int i = 0; i < max; i++) {
            caches[i] = decoder.newCache();
            for (int filled = 0; filled < context; ) { // prompt chunks of up to 256 tokens
                int n = Math.min(256, context - filled);
                int[] chunk = new int[n];
                for (int j = 0; j < n; j++) chunk[j] = (filled + j + 13 * i) % vocab;
                decoder.forward(caches[i], chunk, n);
                filled += n;
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] best = new double[rows.length], bestWall = new double[rows.length];
        for (int rep = -1; rep < reps; rep++) { // rep -1: warm-up
            for (int ri = 0; ri < rows.length; ri++) {
                int r = rows[ri];
                long cpu = 0, wall = 0;
                int[] counts = new int[r], tokens = new int[r];
                Arrays.fill(counts, 1);
                for (int p = 0; p < passes; p++) {
                    for (int i = 0; i < r; i++) {
                        if (caches[i].length() >= ctx - 1) caches[i].truncate(context);
                        tokens[i] = (p * 31 + i * 7) % vocab;
                    }
                    long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                    decoder.forward(caches, counts, r, tokens);
                    cpu += mx.getCurrentThreadCpuTime() - c0;
                    wall += System.nanoTime() - w0;
                }
                best[ri] = Math.max(best[ri], (double) r * passes / (cpu / 1e9));
                bestWall[ri] = Math.max(bestWall[ri], (double) r * passes / (wall / 1e9));
            }
        }
        System.out.printf(Locale.ROOT, "weights=%s threads=%d passes=%d best of %d context %d+%n", weights.policy().label(), WorkerPool.global().threads(), passes, reps, context);
        for (int ri = 0; ri < rows.length; ri++)
            System.out.printf(Locale.ROOT, "rows %3d: %8.0f tokens / CPU s  (x%.2f)  %8.0f tokens / wall s  (x%.2f)%n",
                    rows[ri], best[ri], best[ri] / best[0], bestWall[ri], bestWall[ri] / bestWall[0]);
    }
}
