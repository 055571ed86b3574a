package dev.trident.train;

/**
 * One optimizer step. loss is the mean training cross-entropy in nats/token; progress is the fraction of the run
 * done (by steps or by time, whichever bound is nearer); tokensPerSecond is over the whole run so far; maxVio is
 * the expert-load imbalance of the step (max load / mean load - 1, averaged over MoE layers; NaN when dense);
 * mtpLoss the mean cross-entropy of the MTP depths (NaN without MTP).
 */
public record StepMetrics(int step, int maxSteps, double loss, double learningRate, double gradNorm,
                          double tokensPerSecond, double elapsedSeconds, double progress, double maxVio,
                          double mtpLoss) {

    public StepMetrics(int step, int maxSteps, double loss, double learningRate, double gradNorm,
                       double tokensPerSecond, double elapsedSeconds, double progress) {
        this(step, maxSteps, loss, learningRate, gradNorm, tokensPerSecond, elapsedSeconds, progress, Double.NaN, Double.NaN);
    }
}
