package dev.trident.model;

import dev.trident.nn.AttentionSpec;
import dev.trident.nn.FeedForwardSpec;

/**
 * Every size of a Llama-style decoder. The layer specs ({@link AttentionSpec}, {@link FeedForwardSpec}) are derived
 * from it, so nn/ never depends on this record.
 *
 * @param vocabSize      tokens in the vocabulary
 * @param dim            model width d
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention when below heads)
 * @param headDim        width of one head
 * @param hiddenDim      SwiGLU hidden width
 * @param maxSeqLen      longest context
 * @param ropeTheta      RoPE base
 * @param normEps        RMSNorm epsilon
 * @param tiedEmbeddings output head shares the embedding matrix
 */
public record ModelConfig(int vocabSize, int dim, int layers, int heads, int kvHeads, int headDim, int hiddenDim,
                          int maxSeqLen, double ropeTheta, float normEps, boolean tiedEmbeddings) {

    public ModelConfig {
        if (vocabSize <= 0 || dim <= 0 || layers <= 0 || hiddenDim <= 0 || maxSeqLen <= 0)
            throw new IllegalArgumentException("model sizes must be positive");
    }

    public AttentionSpec attentionSpec() {
        return new AttentionSpec(dim, heads, kvHeads, headDim, ropeTheta);
    }

    public FeedForwardSpec feedForwardSpec() {
        return new FeedForwardSpec(dim, hiddenDim);
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, dim, layers, heads, kvHeads, headDim, hiddenDim, maxSeqLen, ropeTheta, normEps, tiedEmbeddings);
    }

    /** Parameters excluding the token embedding (and the head when tied): the usual "model size". */
    public long parameterCount() {
        long attn = (long) dim * heads * headDim * 2 + 2L * dim * kvHeads * headDim;
        long ffn = 3L * dim * hiddenDim;
        long perLayer = attn + ffn + 2L * dim;
        long embed = (long) vocabSize * dim;
        return layers * perLayer + dim + embed + (tiedEmbeddings ? 0 : embed);
    }

    /**
     * Forward FLOPs per token at context length ctx: 2 per multiply-add of every weight matrix (embedding lookup
     * excluded) plus attention scores and weighted values. Training costs about 3x this.
     */
    public double forwardFlopsPerToken(int ctx) {
        double matmul = 2.0 * (parameterCount() - (long) vocabSize * dim * (tiedEmbeddings ? 0 : 1) - (long) layers * 2 * dim - dim);
        double attention = 2.0 * 2 * layers * heads * headDim * ctx;
        return matmul + attention;
    }
}
