package dev.trident.infer;

/**
 * How to pick each next token. temperature 0 means greedy; topK 0 and topP 1 disable those filters.
 */
public record SamplingOptions(int maxTokens, double temperature, int topK, double topP, long seed, boolean stopAtEos) {
    public static SamplingOptions greedy(int maxTokens) {
        return new SamplingOptions(maxTokens, 0, 0, 1, 0, true);
    }
}
