package dev.trident.infer;

/** A finished generation: text and ids of the generated part, counts and speed. stopReason is "eos" or "length". */
public record GenerationResult(String text, int[] tokens, int promptTokens, double prefillSeconds,
                               double decodeSeconds, String stopReason) {
    public double decodeTokensPerSecond() {
        return decodeSeconds > 0 ? tokens.length / decodeSeconds : 0;
    }
}
