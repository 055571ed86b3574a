package dev.trident.blt.entropy;

import dev.trident.TridentException;
import dev.trident.blt.ByteVocab;
import dev.trident.model.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    /** Tokens per batched forward when computing a whole text's entropies. */
    private static final int ROW_TOKENS = 8192;
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

    /** Lengths rounded up to a multiple of 16 (at most the window), so runs of similar length share a batch. */
    private int padded(int n) {
        return Math.min(window, (n + 15) / 16 * 16);
    }

    /** A run of bytes [first, last] whose contexts all start at `start`. */
    private record Run(int start, int first, int last) {}

    /**
     * H(x_i) for every byte of text (NaN for byte 0). Runs of bytes sharing a context start are fed to the model
     * once each, batched by length through the training forward. progress receives bytes done.
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
        // Runs fed as rows of equal (padded) length through the training forward, many rows per call: one big GEMM
        // per weight instead of a decode step per token. Padding sits after a run's end, where causality hides it.
        runs.sort(java.util.Comparator.comparingInt((Run r) -> r.last() - r.start()));
        int vocab = model.config().vocabSize();
        dev.trident.autograd.Tape tape = new dev.trident.autograd.Tape();
        tape.setRecording(false);
        long done = 0;
        for (int r0 = 0; r0 < runs.size(); ) {
            int len = padded(runs.get(r0).last() - runs.get(r0).start());
            int rows = Math.max(1, ROW_TOKENS / len);
            int r1 = r0;
            while (r1 < runs.size() && r1 - r0 < rows && padded(runs.get(r1).last() - runs.get(r1).start()) == len) r1++;
            int n = r1 - r0;
            int[] ids = new int[n * len];
            for (int b = 0; b < n; b++) {
                Run run = runs.get(r0 + b);
                for (int j = 0; j < run.last() - run.start(); j++) ids[b * len + j] = text[run.start() + j] & 0xFF;
            }
            float[] logits = model.transformer().logits(tape, ids, n, len).data;
            for (int b = 0; b < n; b++) {
                Run run = runs.get(r0 + b);
                for (int i = run.first(); i <= run.last(); i++) h[i] = entropy(logits, (b * len + i - 1 - run.start()) * vocab, vocab);
                done += run.last() - run.first() + 1;
            }
            tape.reset();
            if (progress != null) progress.accept(done);
            r0 = r1;
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
