package dev.trident.train;

import java.util.SplittableRandom;

/**
 * Tokenized training text and the deterministic batches drawn from it. The batch of a step is a pure function of
 * (seed, step, micro-batch), so a resumed run sees exactly the data an uninterrupted one would.
 */
public final class TokenData {
    private final int[] tokens;

    public TokenData(int[] tokens) {
        this.tokens = tokens;
    }

    public int length() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens;
    }

    /** One batch: inputs and next-token targets, each [batch * seq]. */
    public record Batch(int[] inputs, int[] targets, int batch, int seq) {}

    /** batch windows of seq + 1 tokens at offsets drawn from (seed, step, micro). */
    public Batch batch(long seed, int step, int micro, int batch, int seq) {
        int span = tokens.length - seq - 1;
        if (span < 1) throw new IllegalStateException("need more than " + (seq + 1) + " tokens, have " + tokens.length);
        SplittableRandom rng = new SplittableRandom(mix(seed, step, micro));
        int[] in = new int[batch * seq], tg = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            int off = rng.nextInt(span + 1);
            System.arraycopy(tokens, off, in, b * seq, seq);
            System.arraycopy(tokens, off + 1, tg, b * seq, seq);
        }
        return new Batch(in, tg, batch, seq);
    }

    private static long mix(long seed, int step, int micro) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }
}
