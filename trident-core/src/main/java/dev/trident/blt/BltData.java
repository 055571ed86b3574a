package dev.trident.blt;

import dev.trident.blt.patch.Patcher;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Bytes, their entropies and a patcher, cut into windows: a window at s holds the boundary token then bytes
 * s .. s+T-2 and predicts bytes s .. s+T-1. Training batches are a pure function of (seed, step, micro-batch), as
 * {@link dev.trident.train.TokenData}'s are, so a resumed run sees the same data.
 */
public final class BltData {
    private final byte[] text;
    private final float[] entropies;
    private final Patcher patcher;
    private final int seq;

    public BltData(byte[] text, float[] entropies, Patcher patcher, int seq) {
        if (entropies.length != text.length) throw new IllegalArgumentException(entropies.length + " entropies for " + text.length + " bytes");
        this.text = text;
        this.entropies = entropies;
        this.patcher = patcher;
        this.seq = seq;
    }

    public int length() { return text.length; }

    /** Windows with their targets (-1 = not counted) and patch-start flags. */
    public record Batch(int[] tokens, int[] targets, boolean[][] flags, int batch) {
        public PatchLayout layout(BltConfig c) {
            return PatchLayout.of(flags, c.seqLen(), c.crossK(), c.decoderCrossWindow());
        }
    }

    /** batch windows at offsets drawn from (seed, step, micro). */
    public Batch batch(long seed, int step, int micro, int batch) {
        int span = text.length - seq;
        if (span < 0) throw new IllegalStateException("need at least " + seq + " bytes, have " + text.length);
        SplittableRandom rng = new SplittableRandom(mix(seed, step, micro));
        int[] starts = new int[batch];
        for (int b = 0; b < batch; b++) starts[b] = rng.nextInt(span + 1);
        return windows(starts, new int[batch]);
    }

    /**
     * Windows at the given starts (each needs s + T <= length); in window b the first skip[b] targets are not
     * counted (they were predicted by an earlier window).
     */
    public Batch windows(int[] starts, int[] skip) {
        int batch = starts.length;
        int[] tokens = new int[batch * seq], targets = new int[batch * seq];
        boolean[][] flags = new boolean[batch][seq + 1];
        for (int b = 0; b < batch; b++) {
            int s = starts[b];
            tokens[b * seq] = ByteVocab.BOS;
            for (int k = 1; k < seq; k++) tokens[b * seq + k] = text[s + k - 1] & 0xFF;
            for (int k = 0; k < seq; k++) targets[b * seq + k] = k < skip[b] ? -1 : text[s + k] & 0xFF;
            patcher.flags(text, entropies, s, flags[b]);
        }
        return new Batch(tokens, targets, flags, batch);
    }

    /**
     * Evaluation windows covering every byte once: windows at 0, T, 2T, ...; the last, if the text does not end on
     * a window boundary, ends at the text's end and counts only the bytes no earlier window predicted. Returns the
     * start and skip of each window.
     */
    public int[][] coveringWindows(int maxBytes) {
        int n = Math.min(maxBytes, text.length);
        if (n < seq) throw new IllegalArgumentException("text of " + n + " bytes is shorter than one window of " + seq);
        int full = n / seq;
        boolean tail = n % seq != 0;
        int[] starts = new int[full + (tail ? 1 : 0)], skip = new int[starts.length];
        for (int w = 0; w < full; w++) starts[w] = w * seq;
        if (tail) {
            starts[full] = n - seq;
            skip[full] = full * seq - (n - seq);
        }
        return new int[][]{starts, skip};
    }

    static int[] slice(int[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    private static long mix(long seed, int step, int micro) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }
}
