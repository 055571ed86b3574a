package dev.trident.blt.entropy;

import dev.trident.TridentException;
import dev.trident.blt.ByteVocab;
import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.kernels.WorkerPool;
import dev.trident.model.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The small byte-level language model whose next-byte entropy decides where patches start (BLT section 2.3):
 * H(x_i) = -sum_v p_e(x_i = v | x_<i) log p_e(x_i = v | x_<i), in nats. It is an ordinary Trident model whose
 * tokenizer has no merges (token id = byte value, id 256 the boundary token), trained by `trident train`.
 *
 * <p>The context of byte i is bounded and depends only on i and the bytes before it: it starts at
 * a(i) = max(slide(i), newline(i)), where slide(i) restarts the context every W/2 bytes so it always holds between
 * W/2 and W bytes (W = the model's context), and, with resetAtNewline, newline(i) is the last newline before i (the
 * context then starts with that newline, BLT's reset). Byte 0 has no context: its entropy is NaN (it always starts
 * a patch). {@link #entropies} computes all of a text's entropies in parallel runs; {@link EntropyStream} computes
 * the same numbers one byte at a time while generating.
 */
public final class EntropyModel {
    private static final int CHUNK = 64;
    private final Model model;
    private final int window;

    public EntropyModel(Model model) {
        this.model = model;
        if (model.tokenizer().mergeCount() != 0 || model.config().vocabSize() < ByteVocab.SIZE)
            throw new TridentException("the entropy model must be byte-level (a tokenizer without merges and at least "
                    + ByteVocab.SIZE + " ids); this one has " + model.tokenizer().mergeCount() + " merges; train one with --preset blt-entropy");
        this.window = model.config().maxSeqLen();
        if (window < 2) throw new TridentException("entropy model context of " + window + " is too short");
    }

    /** Loads a model directory written by `trident train --preset blt-entropy` (or tiny-entropy). */
    public static EntropyModel load(Path dir) {
        return new EntropyModel(Model.load(dir));
    }

    public Model model() { return model; }

    /** W: the longest context the entropy of a byte is computed from. */
    public int window() { return window; }

    /** a(i): where the context of byte i (i >= 1) starts; lastNewline is the last newline position before i, or -1. */
    public static int contextStart(int i, int lastNewline, int window, boolean resetAtNewline) {
        int h = Math.max(1, window / 2);
        int slide = Math.max(0, ((i - 1) / h - 1) * h);
        return resetAtNewline ? Math.max(slide, Math.max(0, lastNewline)) : slide;
    }

    /** Shannon entropy in nats of softmax(logits[off .. off + vocab)). */
    public static float entropy(float[] logits, int off, int vocab) {
        float m = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) m = Math.max(m, logits[off + v]);
        double z = 0, zl = 0;
        for (int v = 0; v < vocab; v++) {
            double e = Math.exp(logits[off + v] - m);
            z += e;
            zl += e * (logits[off + v] - m);
        }
        return (float) (Math.log(z) - zl / z);
    }

    /** A run of bytes [first, last] whose contexts all start at `start`. */
    private record Run(int start, int first, int last) {}

    /**
     * H(x_i) for every byte of text (NaN for byte 0). Runs of bytes sharing a context start are fed to the model
     * once each, in parallel over the worker pool (one decoder per worker). progress receives bytes done.
     */
    public float[] entropies(byte[] text, boolean resetAtNewline, LongConsumer progress) {
        float[] h = new float[text.length];
        if (text.length > 0) h[0] = Float.NaN;
        List<Run> runs = new ArrayList<>();
        int lastNewline = -1, runStart = -1, runFirst = 1;
        for (int i = 1; i < text.length; i++) {
            if (text[i - 1] == '\n') lastNewline = i - 1;
            int a = contextStart(i, lastNewline, window, resetAtNewline);
            if (a != runStart) {
                if (runStart >= 0) runs.add(new Run(runStart, runFirst, i - 1));
                runStart = a;
                runFirst = i;
            }
        }
        if (runStart >= 0) runs.add(new Run(runStart, runFirst, text.length - 1));
        WorkerPool pool = WorkerPool.global();
        Decoder[] decoders = new Decoder[pool.threads()];
        KvCache[] caches = new KvCache[pool.threads()];
        AtomicLong done = new AtomicLong();
        int vocab = model.config().vocabSize();
        // Runs in blocks, so progress can be reported between them.
        int block = Math.max(pool.threads(), 64);
        for (int r0 = 0; r0 < runs.size(); r0 += block) {
            int from = r0, n = Math.min(block, runs.size() - r0);
            pool.parallelFor(n, (lo, hi, worker) -> {
                if (decoders[worker] == null) {
                    decoders[worker] = new Decoder(model.transformer(), CHUNK);
                    caches[worker] = decoders[worker].newCache();
                }
                Decoder dec = decoders[worker];
                KvCache cache = caches[worker];
                int[] ids = new int[CHUNK];
                for (int r = from + lo; r < from + hi; r++) {
                    Run run = runs.get(r);
                    cache.truncate(0);
                    // Feed x[start .. last-1]; the row of token p predicts byte p + 1.
                    for (int p0 = run.start(); p0 < run.last(); p0 += CHUNK) {
                        int m = Math.min(CHUNK, run.last() - p0);
                        for (int j = 0; j < m; j++) ids[j] = text[p0 + j] & 0xFF;
                        float[] logits = dec.forward(cache, ids, m);
                        for (int j = 0; j < m; j++) {
                            int i = p0 + j + 1;
                            if (i >= run.first()) h[i] = entropy(logits, j * vocab, vocab);
                        }
                    }
                    done.addAndGet(run.last() - run.first() + 1);
                }
            });
            if (progress != null) progress.accept(done.get());
        }
        return h;
    }

    /** A stream that turns bytes into the entropy of the byte after them, as {@link #entropies} would. */
    public EntropyStream stream(boolean resetAtNewline) {
        return new EntropyStream(this, resetAtNewline);
    }

    /**
     * Forward FLOPs per byte: the model's per-token forward at the mean context a byte sees (about 3W/4 bytes when
     * the context slides; lines are shorter with resetAtNewline, so this is an upper bound there).
     */
    public double forwardFlopsPerByte() {
        return model.config().forwardFlopsPerToken(3 * window / 4);
    }
}
