package dev.trident.infer;

/**
 * A finished generation: text and ids of the generated part, counts and speed. stopReason is "eos" or "length".
 * speculation holds the draft statistics of a speculative run (null for plain decoding).
 */
public record GenerationResult(String text, int[] tokens, int promptTokens, double prefillSeconds,
                               double decodeSeconds, String stopReason, SpeculationStats speculation) {

    public GenerationResult(String text, int[] tokens, int promptTokens, double prefillSeconds, double decodeSeconds,
                            String stopReason) {
        this(text, tokens, promptTokens, prefillSeconds, decodeSeconds, stopReason, null);
    }

    public double decodeTokensPerSecond() {
        return decodeSeconds > 0 ? tokens.length / decodeSeconds : 0;
    }
}
