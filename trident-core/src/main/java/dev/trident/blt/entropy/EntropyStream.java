package dev.trident.blt.entropy;

import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;

/**
 * Next-byte entropies one byte at a time, for generation: after {@link #push} of byte i, {@link #next()} is
 * H(x_{i+1}), the entropy model's uncertainty about the byte to come, computed from the same bounded context as
 * {@link EntropyModel#entropies} (the cache is refilled whenever that context's start moves).
 */
public final class EntropyStream {
    private final EntropyModel model;
    private final boolean resetAtNewline;
    private final Decoder decoder;
    private final KvCache cache;
    private final int vocab;
    private byte[] text = new byte[256];
    private int length, lastNewline = -1, start = -1;
    private float next = Float.NaN;
    private final int[] one = new int[1];

    EntropyStream(EntropyModel model, boolean resetAtNewline) {
        this.model = model;
        this.resetAtNewline = resetAtNewline;
        this.decoder = new Decoder(model.model().transformer(), 64);
        this.cache = decoder.newCache();
        this.vocab = model.model().config().vocabSize();
    }

    /** Bytes pushed so far. */
    public int length() { return length; }

    /** H of the byte after those pushed (NaN before the first push). */
    public float next() { return next; }

    /** Appends byte b and returns the entropy of the byte that will follow it. */
    public float push(byte b) {
        if (length == text.length) text = java.util.Arrays.copyOf(text, 2 * length);
        text[length++] = b;
        int i = length; // the position whose entropy we want
        if (text[i - 1] == '\n') lastNewline = i - 1;
        int a = EntropyModel.contextStart(i, lastNewline, model.window(), resetAtNewline);
        float[] logits;
        int row;
        if (a == start && cache.length() == i - 1 - a) {
            one[0] = b & 0xFF;
            logits = decoder.forward(cache, one, 1);
            row = 0;
        } else {
            start = a;
            cache.truncate(0);
            logits = null;
            row = 0;
            int[] ids = new int[64];
            for (int p0 = a; p0 < i; p0 += 64) {
                int m = Math.min(64, i - p0);
                for (int j = 0; j < m; j++) ids[j] = text[p0 + j] & 0xFF;
                logits = decoder.forward(cache, ids, m);
                row = m - 1;
            }
        }
        next = EntropyModel.entropy(logits, row * vocab, vocab);
        return next;
    }
}
