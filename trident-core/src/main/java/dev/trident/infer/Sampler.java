package dev.trident.infer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy at temperature 0, else softmax(logits / T) filtered by top-k and
 * nucleus (top-p) and drawn from a seeded generator, so a seed reproduces a generation.
 */
public final class Sampler {
    private final double temperature, topP;
    private final int topK;
    private final SplittableRandom rng;
    private final float[] probs;
    private final Integer[] order;

    public Sampler(int vocab, double temperature, int topK, double topP, long seed) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.rng = new SplittableRandom(seed);
        this.probs = new float[vocab];
        this.order = new Integer[vocab];
    }

    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    /** The next token from row `off` of logits (n = vocabulary entries considered). */
    public int sample(float[] logits, int off, int n) {
        if (temperature <= 0) return argmax(logits, off, n);
        distribution(logits, off, n, probs);
        double u = rng.nextDouble(), acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (u < acc) return i;
        }
        for (int i = n - 1; i >= 0; i--) if (probs[i] > 0) return i;
        return 0;
    }

    /** The filtered sampling distribution of a logits row into out[0..n), summing to 1. */
    public void distribution(float[] logits, int off, int n, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            out[i] = (float) Math.exp((logits[off + i] - max) / temperature);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) out[i] /= (float) sum;
        boolean filterK = topK > 0 && topK < n, filterP = topP > 0 && topP < 1;
        if (!filterK && !filterP) return;
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, 0, n, (a, b) -> Float.compare(out[b], out[a]));
        int keep = filterK ? topK : n;
        if (filterP) {
            double cum = 0;
            for (int r = 0; r < keep; r++) {
                cum += out[order[r]];
                if (cum >= topP) {
                    keep = r + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int r = 0; r < n; r++) {
            if (r < keep) kept += out[order[r]];
            else out[order[r]] = 0;
        }
        for (int i = 0; i < n; i++) out[i] /= (float) kept;
    }
}
