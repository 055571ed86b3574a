package dev.trident.engine;

/**
 * A finished generation: its text (stop text excluded), the generated token ids, how many tokens the prompt had,
 * why it ended, the seconds from submission to the first token and to the end.
 */
public record Completion(String text, int[] tokens, int promptTokens, FinishReason finishReason,
                         double secondsToFirstToken, double seconds) {
    public int completionTokens() { return tokens.length; }
}
