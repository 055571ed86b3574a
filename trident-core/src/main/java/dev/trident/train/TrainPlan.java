package dev.trident.train;

/**
 * What a run will do: maxSteps is the step budget (the run may end earlier when budgetSeconds runs out;
 * budgetSeconds is 0 when only steps bound it). startStep is above 0 when resuming.
 */
public record TrainPlan(String preset, long parameters, int startStep, int maxSteps, double budgetSeconds,
                        int tokensPerStep, long trainTokens, long valTokens) {}
