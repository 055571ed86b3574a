package dev.trident.eval;

import dev.trident.autograd.Ops;
import dev.trident.autograd.Tape;
import dev.trident.autograd.Tensor;
import dev.trident.infer.Decoder;
import dev.trident.infer.KvCache;
import dev.trident.infer.ModelWeights;
import dev.trident.model.Model;
import dev.trident.model.Transformer;

import java.util.function.BiConsumer;

/** Validation loss and bits per byte of a model on a text. */
public final class Evaluator {
    private Evaluator() {}

    /** The validation part of a corpus: its last 10% of bytes (the nanoGPT convention). */
    public static byte[] validationSplit(byte[] corpus) {
        int start = corpus.length - corpus.length / 10;
        return java.util.Arrays.copyOfRange(corpus, start, corpus.length);
    }

    /** The training part: the first 90% of bytes. */
    public static byte[] trainingSplit(byte[] corpus) {
        return java.util.Arrays.copyOfRange(corpus, 0, corpus.length - corpus.length / 10);
    }

    /** Mean cross-entropy over the text in context windows of the model's length; bits per byte. */
    public static EvalResult evaluate(Model model, byte[] text) {
        int[] tokens = model.tokenizer().encode(text);
        int ctx = model.config().maxSeqLen();
        double nats = totalNats(model.transformer(), tokens, ctx, tokens.length);
        long predicted = Math.max(0, tokens.length - 1);
        return new EvalResult(predicted == 0 ? 0 : nats / predicted, nats / (Math.log(2) * Math.max(1, text.length)),
                predicted, text.length);
    }

    /**
     * The same measurement through the inference runtime: every window pre-filled through a {@link Decoder} over
     * the given weights (fp32 or quantized), so the figure is what that runtime's model predicts. progress (may be
     * null) receives the number of windows done out of the total after each one.
     */
    public static EvalResult evaluate(Model model, ModelWeights weights, byte[] text, BiConsumer<Integer, Integer> progress) {
        int[] tokens = model.tokenizer().encode(text);
        int ctx = model.config().maxSeqLen();
        double nats = totalNats(new Decoder(weights, ctx), tokens, ctx, tokens.length, progress);
        long predicted = Math.max(0, tokens.length - 1);
        return new EvalResult(predicted == 0 ? 0 : nats / predicted, nats / (Math.log(2) * Math.max(1, text.length)),
                predicted, text.length);
    }

    /** Windows of the context length a text of this many tokens is evaluated in. */
    public static int windows(int tokens, int ctx) {
        return tokens < 2 ? 0 : (tokens - 1 + ctx - 1) / ctx;
    }

    /**
     * {@link #totalNats(Transformer, int[], int, int)} through a decoder: each window of ctx + 1 tokens is one
     * prefill of its first ctx tokens into an emptied cache, scored against the next tokens.
     */
    public static double totalNats(Decoder decoder, int[] tokens, int ctx, int maxTokens, BiConsumer<Integer, Integer> progress) {
        int n = Math.min(tokens.length, maxTokens);
        int windows = windows(n, ctx);
        if (ctx > decoder.maxBatch()) throw new IllegalArgumentException("windows of " + ctx + " tokens, decoder holds " + decoder.maxBatch());
        int vocab = decoder.config().vocabSize();
        KvCache cache = decoder.newCache();
        double total = 0;
        for (int w = 0; w < windows; w++) {
            int start = w * ctx, m = Math.min(ctx, n - 1 - start);
            cache.truncate(0);
            float[] logits = decoder.forward(cache, java.util.Arrays.copyOfRange(tokens, start, start + m), m);
            for (int i = 0; i < m; i++) total += crossEntropy(logits, i * vocab, vocab, tokens[start + i + 1]);
            if (progress != null) progress.accept(w + 1, windows);
        }
        return total;
    }

    /** -log softmax(row)[target], in double. */
    private static double crossEntropy(float[] logits, int off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) max = Math.max(max, logits[off + j]);
        double sum = 0;
        for (int j = 0; j < vocab; j++) sum += Math.exp(logits[off + j] - max);
        return Math.log(sum) + max - logits[off + target];
    }

    /**
     * Sum of next-token cross-entropy (nats) over the first maxTokens tokens: windows of ctx + 1 tokens stepping by
     * ctx, so every token but the first is predicted once; windows are run a few at a time.
     */
    public static double totalNats(Transformer model, int[] tokens, int ctx, int maxTokens) {
        int n = Math.min(tokens.length, maxTokens);
        int windows = (n - 1 + ctx - 1) / ctx;
        if (n < 2) return 0;
        int perBatch = Math.max(1, 8192 / ctx);
        Tape tape = new Tape();
        tape.setRecording(false);
        double total = 0;
        for (int w0 = 0; w0 < windows; w0 += perBatch) {
            int nb = Math.min(perBatch, windows - w0);
            int[] in = new int[nb * ctx], tg = new int[nb * ctx];
            java.util.Arrays.fill(tg, -1);
            int counted = 0;
            for (int b = 0; b < nb; b++) {
                int start = (w0 + b) * ctx;
                for (int t = 0; t < ctx; t++) {
                    int i = start + t;
                    if (i + 1 < n) {
                        in[b * ctx + t] = tokens[i];
                        tg[b * ctx + t] = tokens[i + 1];
                        counted++;
                    }
                }
            }
            Tensor logits = model.logits(tape, in, nb, ctx);
            Tensor loss = Ops.crossEntropy(tape, logits, tg);
            total += (double) loss.data[0] * counted;
            tape.reset();
        }
        return total;
    }
}
