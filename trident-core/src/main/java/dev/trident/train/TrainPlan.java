package dev.trident.train;

/**
 * What a run will do: maxSteps is the step budget (the run may end earlier when budgetSeconds runs out;
 * budgetSeconds is 0 when only steps bound it). startStep is above 0 when resuming. activeParameters are those a
 * token passes through (all of them for a dense model); trainFlopsPerToken = 3x the forward FLOPs at the training
 * context (weights and attention).
 */
public record TrainPlan(String preset, long parameters, int startStep, int maxSteps, double budgetSeconds,
                        int tokensPerStep, long trainTokens, long valTokens, long activeParameters,
                        double trainFlopsPerToken) {

    public TrainPlan(String preset, long parameters, int startStep, int maxSteps, double budgetSeconds,
                     int tokensPerStep, long trainTokens, long valTokens) {
        this(preset, parameters, startStep, maxSteps, budgetSeconds, tokensPerStep, trainTokens, valTokens, parameters, 0);
    }
}
