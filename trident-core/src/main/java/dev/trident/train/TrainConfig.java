package dev.trident.train;

/**
 * How a preset trains: batch of batchSize sequences of seqLen tokens (gradAccum micro-batches per step),
 * AdamW(beta1, beta2, weightDecay), peak learningRate with warmupSteps and cosine decay to minLr over steps,
 * global gradient clipping, dropout, validation every evalEvery steps on evalTokens tokens, the BPE vocabulary
 * size of the tokenizer trained for it, lambda, the weight of the multi-token prediction losses, and the dropout
 * rate of the routed experts' hidden activations once the training text repeats (MoE presets; 0: none).
 */
public record TrainConfig(int batchSize, int seqLen, int gradAccum, double learningRate, double minLr, int warmupSteps,
                          int steps, double weightDecay, double beta1, double beta2, double gradClip, float dropout,
                          int evalEvery, int evalTokens, int vocabSize, double mtpWeight, double expertDropout) {

    /** DeepSeek-V3 used lambda = 0.3 for the first 10T tokens, then 0.1. */
    public static final double DEFAULT_MTP_WEIGHT = 0.3;

    public TrainConfig(int batchSize, int seqLen, int gradAccum, double learningRate, double minLr, int warmupSteps,
                       int steps, double weightDecay, double beta1, double beta2, double gradClip, float dropout,
                       int evalEvery, int evalTokens, int vocabSize) {
        this(batchSize, seqLen, gradAccum, learningRate, minLr, warmupSteps, steps, weightDecay, beta1, beta2,
                gradClip, dropout, evalEvery, evalTokens, vocabSize, DEFAULT_MTP_WEIGHT, 0);
    }

    public TrainConfig with(int batch, int seq, double lr, int totalSteps) {
        return new TrainConfig(batch > 0 ? batch : batchSize, seq > 0 ? seq : seqLen, gradAccum,
                lr > 0 ? lr : learningRate, lr > 0 ? lr * minLr / learningRate : minLr, warmupSteps,
                totalSteps > 0 ? totalSteps : steps, weightDecay, beta1, beta2, gradClip, dropout, evalEvery,
                evalTokens, vocabSize, mtpWeight, expertDropout);
    }

    public TrainConfig withEvalEvery(int e) {
        return new TrainConfig(batchSize, seqLen, gradAccum, learningRate, minLr, warmupSteps, steps, weightDecay,
                beta1, beta2, gradClip, dropout, e > 0 ? e : evalEvery, evalTokens, vocabSize, mtpWeight, expertDropout);
    }

    public TrainConfig withMtpWeight(double w) {
        return new TrainConfig(batchSize, seqLen, gradAccum, learningRate, minLr, warmupSteps, steps, weightDecay,
                beta1, beta2, gradClip, dropout, evalEvery, evalTokens, vocabSize, w, expertDropout);
    }

    public TrainConfig withExpertDropout(double p) {
        return new TrainConfig(batchSize, seqLen, gradAccum, learningRate, minLr, warmupSteps, steps, weightDecay,
                beta1, beta2, gradClip, dropout, evalEvery, evalTokens, vocabSize, mtpWeight, p);
    }

    public int tokensPerStep() {
        return batchSize * seqLen * gradAccum;
    }
}
