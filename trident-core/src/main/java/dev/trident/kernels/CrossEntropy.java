package dev.trident.kernels;

/** Fused softmax cross-entropy with its gradient; contract of {@link Reference#crossEntropy}. */
public final class CrossEntropy {
    private CrossEntropy() {}

    public static double forwardBackward(float[] logits, int[] targets, int rows, int vocab, float[] dLogits) {
        return Reference.crossEntropy(logits, targets, rows, vocab, dLogits);
    }
}
