package dev.trident.eval;

import dev.trident.model.Model;

/** Validation loss and bits per byte of a model on a text. */
public final class Evaluator {
    private Evaluator() {}

    /** The validation part of a corpus: its last 10% of bytes (the nanoGPT convention). */
    public static byte[] validationSplit(byte[] corpus) {
        int start = corpus.length - corpus.length / 10;
        return java.util.Arrays.copyOfRange(corpus, start, corpus.length);
    }

    /** Mean cross-entropy over the text in context windows of the model's length; bits per byte. */
    public static EvalResult evaluate(Model model, byte[] text) {
        throw new UnsupportedOperationException("in progress");
    }
}
